/**
 * JMH benchmarks beside the PyTorch anchors of {@code ../shared/perf/ANCHORS.md}, and the
 * memory report. Read {@link org.xai4j.benchmarks.ForwardBenchmark} first. The perturbation
 * methods ({@code OcclusionBenchmark}, {@code RiseBenchmark}, {@code ScoreCamBenchmark}) also time
 * the same batched passes in ONNX Runtime ({@code OrtModel}, then {@code OrtOcclusion},
 * {@code OrtRise}, {@code OrtScoreCam}) on the files of {@code OnnxFiles}; the module README says
 * how to run that window.
 */
package org.xai4j.benchmarks;
