import { EngineError } from './engine.errors';
import { SlotScheduler } from './slot-scheduler';

const live = () => new AbortController().signal;

describe(SlotScheduler.name, () => {
  it('hands out free slots at once and counts them as running', async () => {
    const sut = new SlotScheduler(['a', 'b'], 4);

    const slots = [await sut.acquire(live()), await sut.acquire(live())];

    expect(slots).toEqual(['a', 'b']);
    expect({ running: sut.running, waiting: sut.waiting }).toEqual({
      running: 2,
      waiting: 0,
    });
  });

  it('queues beyond the slots and serves waiters in arrival order', async () => {
    const sut = new SlotScheduler(['a'], 4);
    const order: string[] = [];
    const first = await sut.acquire(live());
    const waiters = ['w1', 'w2', 'w3'].map((name) =>
      sut.acquire(live()).then((slot) => {
        order.push(name);
        return slot;
      }),
    );
    expect(sut.waiting).toBe(3);

    sut.release(first);
    sut.release(await waiters[0]);
    sut.release(await waiters[1]);
    await waiters[2];

    expect(order).toEqual(['w1', 'w2', 'w3']);
    expect({ running: sut.running, waiting: sut.waiting }).toEqual({
      running: 1,
      waiting: 0,
    });
  });

  it('refuses a request when the wait queue is full', async () => {
    const sut = new SlotScheduler(['a'], 1);
    await sut.acquire(live());
    void sut.acquire(live());

    await expect(sut.acquire(live())).rejects.toMatchObject({
      code: 'queue_full',
    });
  });

  it('drops a waiter whose request is cancelled, and gives the slot to the next one', async () => {
    const sut = new SlotScheduler(['a'], 4);
    const held = await sut.acquire(live());
    const cancelled = new AbortController();
    const gone = sut.acquire(cancelled.signal);
    const next = sut.acquire(live());

    cancelled.abort();
    await expect(gone).rejects.toBeInstanceOf(EngineError);
    expect(sut.waiting).toBe(1);
    sut.release(held);

    await expect(next).resolves.toBe('a');
  });

  it('returns released slots to the pool when nobody waits', async () => {
    const sut = new SlotScheduler(['a'], 4);
    sut.release(await sut.acquire(live()));

    expect({ running: sut.running, waiting: sut.waiting }).toEqual({
      running: 0,
      waiting: 0,
    });
    await expect(sut.acquire(live())).resolves.toBe('a');
  });
});
