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

/** Whether a TCP port is free on 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer().once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A port N such that N+1 … N+count are free on 127.0.0.1 right now (the demo's --port-base), from 10,000 to 26,000:
 * below the ports the system hands out itself (32768 and up on Linux), which a server started meanwhile (freePort: the
 * demo's PostgreSQL) or an outgoing connection may take, and apart from the Fabric tests' fixed ports (27000 and up).
 */
export async function freePortBase(count = 4): Promise<number> {
  for (;;) {
    const base = 10_000 + Math.floor(Math.random() * 16_000);
    let ok = true;
    for (let p = base + 1; p <= base + count && ok; p++) ok = await isFree(p);
    if (ok) return base;
  }
}
