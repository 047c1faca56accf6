import { limiterContract } from "./concurrency-contract.js";
import { MemoryConcurrencyLimiter } from "./concurrency-memory.js";

limiterContract("memory limiter", async () => {
  const limiter = new MemoryConcurrencyLimiter();
  return { limiters: [limiter], dispose: () => limiter.close() };
});
