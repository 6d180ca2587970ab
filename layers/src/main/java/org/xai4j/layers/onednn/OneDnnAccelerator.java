package org.xai4j.layers.onednn;

import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.xai4j.engine.Accelerator;
import org.xai4j.engine.Node;
import org.xai4j.layers.Add;
import org.xai4j.layers.AvgPool2d;
import org.xai4j.layers.Clip;
import org.xai4j.layers.Conv2d;
import org.xai4j.layers.GlobalAvgPool;
import org.xai4j.layers.Identity;
import org.xai4j.layers.MaxPool2d;
import org.xai4j.layers.ReLU;

/**
 * The engine's {@link Accelerator} on oneDNN: convolutions (any stride, padding, dilation and
 * groups), ReLU, Clip, residual Add, max and average pooling, global average pooling and
 * identities, compiled into a {@link OneDnnPlan}. Active on ND4J's CPU backend when the
 * {@code org.bytedeco:dnnl} native library is on the class path; the engine runs node by node
 * otherwise.
 */
public final class OneDnnAccelerator implements Accelerator {

    public OneDnnAccelerator() {
        if (!Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu")) {
            // Plans read and write host memory: on a GPU backend the engine runs node by node.
            throw new IllegalStateException("oneDNN plans need ND4J's CPU backend, not " + Nd4j.getBackend().getClass().getSimpleName());
        }
        Dnnl.ENGINE.address(); // loads the native library now, so a failure disables acceleration at once
    }

    @Override
    public boolean supports(Node node) {
        Object layer = node.layer();
        if (layer instanceof Conv2d c) {
            return c.weight().dataType() == DataType.FLOAT && (c.bias() == null || c.bias().dataType() == DataType.FLOAT);
        }
        if (layer instanceof Add) {
            return node.inputs().size() == 2;
        }
        return layer instanceof ReLU || layer instanceof Clip || layer instanceof MaxPool2d || layer instanceof AvgPool2d
                || layer instanceof GlobalAvgPool || layer instanceof Identity;
    }

    @Override
    public Plan compile(List<Node> nodes, String input, long[] inputShape, Set<String> outputs) {
        return new OneDnnPlan(nodes, input, inputShape, outputs, false);
    }

    @Override
    public boolean supportsBackward(Node node) {
        return supports(node); // every operator above has its input gradient in OneDnnBackward
    }

    @Override
    public Plan compileForBackward(List<Node> nodes, String input, long[] inputShape, Set<String> outputs) {
        return new OneDnnPlan(nodes, input, inputShape, outputs, true);
    }
}
