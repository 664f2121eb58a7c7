// Runs in the UML guest: applies IPVS operations with vipd's netlink edge (the built dist/), then prints the
// kernel's table as JSON. Usage: node ipvs-cli.mjs REPO '[{"op":"add-service",...}, {"call":"flush"}, ...]'
// An operation that fails prints {"error": {"code", "message"}} and stops.
const [repo, json] = process.argv.slice(2);
const { openIpvs } = await import(`${repo}/dist/edges/netlink/ipvs.js`);
const port = await openIpvs();
const out = {};
try {
  for (const step of JSON.parse(json ?? '[]')) {
    if (step.call) out[step.call] = (await port[step.call](...(step.args ?? []))) ?? null;
    else await port.apply(step);
  }
  out.table = await port.list();
} catch (err) {
  out.error = { code: err.code, message: err.message };
} finally {
  port.close();
}
console.log(JSON.stringify(out));
