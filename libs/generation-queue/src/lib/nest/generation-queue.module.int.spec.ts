import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { GenerationQueue } from '../generation-queue';
import { flushQueueRedis, queueRedisUrl } from '../queue-test-kit';
import { GenerationQueueModule } from './generation-queue.module';

@Injectable()
class LetterWriter {
  constructor(readonly queue: GenerationQueue) {}
}

/** A feature module that does not import the queue's module: the queue is global. */
@Module({ providers: [LetterWriter] })
class LettersModule {}

beforeEach(async () => {
  await flushQueueRedis();
});

describe(GenerationQueueModule.name, () => {
  it('gives every module of the app one queue built from the async options, started with the app', async () => {
    const app = await Test.createTestingModule({
      imports: [
        GenerationQueueModule.forRootAsync({
          useFactory: async () => ({
            redisUrl: queueRedisUrl(),
            concurrency: { mode: 'fixed' as const, limit: 6 },
            workers: { enabled: false },
          }),
        }),
        LettersModule,
      ],
    }).compile();
    await app.init();

    const sut = app.get(LetterWriter).queue;

    expect(sut).toBe(app.get(GenerationQueue));
    expect(sut).toBeInstanceOf(GenerationQueue);
    expect(sut.currentLimit).toBe(6);
    await app.close();
  });
});
