/**
 * Keras H5 import: a full-model {@code .h5} file (Keras 2.x, tf.keras) into an NCHW graph.
 *
 * <p>Read first: {@link org.xai4j.importers.keras.KerasImporter} (the entry point), then
 * {@link org.xai4j.importers.keras.KerasLayers} (the table of layer converters),
 * {@link org.xai4j.importers.keras.Layouts} (every channels-last to channels-first conversion),
 * {@link org.xai4j.importers.keras.KerasModel} (Sequential, Functional and nested models) and
 * {@link org.xai4j.importers.keras.KerasH5} (reading the file through Deeplearning4j's Hdf5Archive).
 */
package org.xai4j.importers.keras;
