import { parseVllmMetrics } from './engine-load';

describe(parseVllmMetrics.name, () => {
  it('reads the V1 gauges, summed over series', () => {
    const text = [
      '# HELP vllm:num_requests_running Number of requests in model execution batches.',
      'vllm:num_requests_running{engine="0",model_name="m"} 3.0',
      'vllm:num_requests_running{engine="1",model_name="m"} 2.0',
      'vllm:num_requests_waiting{model_name="m"} 4.0',
      'vllm:kv_cache_usage_perc{model_name="m"} 0.25',
    ].join('\n');

    expect(parseVllmMetrics(text)).toEqual({ running: 5, waiting: 4, kvCacheUsage: 0.25 });
  });

  it("reads older versions' cache gauge name, and gives up when the gauges are missing", () => {
    const old =
      'vllm:num_requests_running{model_name="m"} 1\nvllm:num_requests_waiting{model_name="m"} 0\nvllm:gpu_cache_usage_perc{model_name="m"} 0.5';

    expect(parseVllmMetrics(old)).toEqual({ running: 1, waiting: 0, kvCacheUsage: 0.5 });
    expect(parseVllmMetrics('process_cpu_seconds_total 1')).toBeUndefined();
  });
});
