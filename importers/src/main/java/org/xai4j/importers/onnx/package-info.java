/**
 * The ONNX importer: a model file to an engine graph whose values keep their ONNX tensor names;
 * and the exporter, an engine graph back to an ONNX file.
 *
 * <p>Read in this order: {@link org.xai4j.importers.onnx.OnnxImporter} (parsing, the node loop,
 * names), {@link org.xai4j.importers.onnx.OnnxOps} (the table of converters, one per
 * {@code op_type}), {@link org.xai4j.importers.onnx.Conversion} (constants, folding, measured
 * shapes), the converter groups ({@code WindowOps}, {@code ArithmeticOps}, {@code LayoutOps}),
 * then {@link org.xai4j.importers.onnx.ShapeOps} and
 * {@link org.xai4j.importers.onnx.ConstantOps} (the shape arithmetic folded at import). For
 * export: {@link org.xai4j.importers.onnx.OnnxExporter}, then {@code ExportOps} (the table of layers).
 */
package org.xai4j.importers.onnx;
