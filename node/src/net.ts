/** Small network helpers. */
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for servers the node or its tests start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
