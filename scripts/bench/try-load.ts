import { measureLoad } from './load.js';

const [impls = 'vipd,keepalived', n = '100', i = '0.01', s = '10'] = process.argv.slice(2);
for (const impl of impls.split(',')) {
  const r = await measureLoad(impl as 'vipd', Number(n), Number(i), Number(s));
  console.log(impl, n, i, r.cpuPercent.toFixed(1) + '%', r.rssMiB.toFixed(1) + ' MiB');
}
