import { recordedCommand } from './recorded-command.ts';

describe('recordedCommand', () => {
  it('keeps header names and drops their values, whether the value follows or comes after =', () => {
    const sut = recordedCommand([
      ...['--target', 'letters', '--header', 'Authorization: Bearer sk-live-123', '--seed', '1'],
      '--header=X-Api-Key:abc456',
    ]);

    expect(sut).toBe(
      "npx nx run bench:run -- --target letters --header 'Authorization: [redacted]' --seed 1 '--header=X-Api-Key: [redacted]'",
    );
    expect(sut).not.toMatch(/sk-live-123|abc456/);
  });

  it("drops a URL's user and password, in each URL of a list, and leaves other URLs as they are", () => {
    const sut = recordedCommand(['--url', 'http://ops:pw1@gpu-1:8000,http://gpu-2:8000', '--url=https://u:pw2@h/v1']);

    expect(sut).toBe(
      "npx nx run bench:run -- --url 'http://[redacted]@gpu-1:8000,http://gpu-2:8000' '--url=https://[redacted]@h/v1'",
    );
  });

  it('quotes words a shell would split, so the line can be pasted back', () => {
    expect(recordedCommand(['--goodput', 'ttft:500', '--dataset', "tmp/it's mine.jsonl"])).toBe(
      `npx nx run bench:run -- --goodput ttft:500 --dataset 'tmp/it'\\''s mine.jsonl'`,
    );
  });
});
