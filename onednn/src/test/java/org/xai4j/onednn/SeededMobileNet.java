package org.xai4j.onednn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Graph;
import org.xai4j.layers.BatchNormFolding;
import org.xai4j.layers.Specialization;
import org.xai4j.layers.zoo.MobileNet;

/**
 * The zoo's MobileNetV2 as an importer hands it to the plans (batch norm folded, the faster
 * layers in place), its input and output names, and a seeded standard-normal input at 224 x 224.
 */
record SeededMobileNet(Graph graph, String in, String out, INDArray x) {

    static SeededMobileNet of(long weightSeed, long inputSeed, int batch) {
        Graph g = Specialization.apply(BatchNormFolding.fold(MobileNet.v2(weightSeed)));
        Nd4j.getRandom().setSeed(inputSeed);
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, 224, 224);
        return new SeededMobileNet(g, g.inputs().get(0).name(), g.outputs().get(0), x);
    }
}
