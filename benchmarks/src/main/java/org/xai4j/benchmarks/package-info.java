/**
 * JMH benchmarks beside the PyTorch anchors of {@code ../shared/perf/ANCHORS.md}, and the
 * memory report. Read {@link org.xai4j.benchmarks.ForwardBenchmark} first.
 */
package org.xai4j.benchmarks;
