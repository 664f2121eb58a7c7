/**
 * `vipd cleanup`: what a crash of `vipd run` can leave announced, removed without any configuration: every route
 * marked with vipd's protocol number, in every table and family (the announces' announcing and local routes). The
 * shipped systemd unit runs it after vipd stops for any reason (`ExecStopPost=`), so that a director whose vipd died
 * stops being announced. Exit 0 (also when there was nothing), 1 when the routes could not be listed or removed.
 */
import { PROTOCOL_VIPD } from '../core/announce/routes.js';

export async function cleanup(): Promise<number> {
  const { createRoutingPort } = await import('../edges/netlink/routes.js');
  const routing = createRoutingPort();
  try {
    const removed = (await routing.removeRoutesOf?.(PROTOCOL_VIPD)) ?? [];
    for (const line of removed) process.stdout.write(`removed route ${line}\n`);
    process.stdout.write(`vipd cleanup: ${removed.length} route${removed.length === 1 ? '' : 's'} of vipd's removed\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`vipd cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    routing.close();
  }
}
