// TCP probes of an sshd: readiness means the SSH banner arrived, not merely that connect()
// succeeded (the kernel accepts connections for a frozen or re-exec'ing sshd too).
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** 'ssh' once the peer sent an SSH banner; 'refused' when nothing listens; 'silent' otherwise. */
export function sshBanner(address: string, port: number, timeoutMs: number): Promise<'ssh' | 'refused' | 'silent'> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    const done = (r: 'ssh' | 'refused' | 'silent'): void => {
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => done('silent'));
    sock.once('data', (b) => done(b.toString('latin1').startsWith('SSH-') ? 'ssh' : 'silent'));
    sock.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'silent'));
    sock.once('end', () => done('silent'));
  });
}

export async function waitForBanner(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await sshBanner(address, port, 2000)) !== 'ssh') {
    if (Date.now() > deadline) throw new Error(`fleet: no sshd on ${address}:${port} after ${timeoutMs} ms`);
    await delay(50);
  }
}
