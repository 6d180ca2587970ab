/**
 * Model importers: ONNX ({@code onnx}) and Keras H5 ({@code keras}) files to engine graphs.
 *
 * <p>Read first: {@link org.xai4j.importers.Models} (the one entry point, which picks the importer
 * from the file's first bytes), then {@link org.xai4j.importers.onnx.OnnxImporter}.
 */
package org.xai4j.importers;
