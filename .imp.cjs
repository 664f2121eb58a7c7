const t = performance.now();
for (const m of process.argv.slice(2)) require(m);
console.log(process.argv.slice(2).join(','), (performance.now() - t).toFixed(1));
