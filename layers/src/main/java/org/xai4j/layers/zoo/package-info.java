/**
 * Seeded reference architectures built from the layers, for tests and benchmarks: ResNet-18/50
 * and MobileNet v2 with torchvision's node names, MobileNet v1 with Keras's. Random weights,
 * ImageNet shapes ([N, 3, 224, 224] in, 1000 logits out). Read {@link org.xai4j.layers.zoo.ResNet}
 * first; {@link org.xai4j.layers.zoo.NetBuilder} explains how weights and batch-norm statistics
 * are chosen so that activations keep their scale through the depth.
 */
package org.xai4j.layers.zoo;
