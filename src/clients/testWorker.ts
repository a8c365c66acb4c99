import * as Comlink from 'comlink';
import type { WorkerLike } from './workerConnection';

/**
 * Test helper: a "worker" made of a MessageChannel (global in Node ≥ 15 and browsers) with `api` exposed on the far end, so the
 * clients run real comlink serialisation (errors, proxies, transfers) without a browser.
 */
export function fakeWorker(api: object): WorkerLike & { terminated: boolean; port: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(api, port1);
  const ep: Comlink.Endpoint = port2;
  const worker = {
    terminated: false,
    port: port2,
    postMessage: (message: unknown, transfer?: Transferable[]) => ep.postMessage(message, transfer),
    addEventListener: ep.addEventListener.bind(ep),
    removeEventListener: ep.removeEventListener.bind(ep),
    start: () => ep.start?.(),
    terminate() {
      worker.terminated = true;
      port1.close();
      port2.close();
    },
  };
  return worker;
}
