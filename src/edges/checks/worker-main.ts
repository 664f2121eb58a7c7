/**
 * The check engine's thread: runs the schedulers and probes that the daemon asks for and posts each result
 * back. Health checks can cost a core at a few thousand per second; here they cannot delay a VRRP advert.
 */
import { parentPort } from 'node:worker_threads';
import { resultFilter } from '../../core/checks/reporting.js';
import { VipdError } from '../../core/errors.js';
import { scheduleCheck } from './index.js';
import type { CheckHandle } from './scheduler.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new VipdError('VIPD_ERR_MISUSE', 'worker-main.ts runs as a worker thread');
const handles = new Map<number, CheckHandle>();
const reply = (m: WorkerReply) => port.postMessage(m);

port.on('message', (m: WorkerRequest) => {
  if (m.op === 'start') {
    const reported = resultFilter(m.reporting);
    const handle = scheduleCheck(m.spec, (result) => {
      if (reported(result)) reply({ id: m.id, result });
    });
    handles.set(m.id, handle);
    handle.start();
    return;
  }
  const handle = handles.get(m.id);
  handles.delete(m.id);
  void (handle?.stop() ?? Promise.resolve()).then(() => reply({ id: m.id, stopped: true }));
});
