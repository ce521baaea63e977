// A TCP port on 127.0.0.1 that was free a moment ago, for peers that must be told their port
// (smtp-sink, clamd) rather than reporting the one the kernel chose.
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
