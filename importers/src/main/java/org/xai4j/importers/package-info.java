/**
 * Model importers: ONNX ({@code onnx}) and Keras H5 ({@code keras}) files to engine graphs.
 *
 * <p>Read first: {@link org.xai4j.importers.Models} (the one entry point, which picks the importer
 * from the file's first bytes), then {@link org.xai4j.importers.onnx.OnnxImporter}.
 * {@link org.xai4j.importers.ModelMetadata} reads what a file says about itself and
 * {@link org.xai4j.importers.PreprocessDetection} the preprocessing it expects.
 */
package org.xai4j.importers;
