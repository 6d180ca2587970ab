#!/bin/sh
# One oneDNN verbose log of ResNet-18 forwards: the oracle's ONNX model on the 15 photos of
# ../shared/assets/images, batch 1, one pass each, summarized by summarize.py.
#   benchmarks/verbose/run.sh JAR OUT.log [ISA cap, e.g. AVX2, or ""] [more predict flags, e.g. --winograd]
# Run from the repository root; ../shared holds the model and photos.
set -e
jar=$1; log=$2; cap=$3
shift $(( $# < 3 ? $# : 3 ))
images=../shared/assets/images
uptime > "$log"
env ${cap:+ONEDNN_MAX_CPU_ISA=$cap} ONEDNN_VERBOSE=1 java -jar "$jar" predict \
  --model ../shared/oracle/resnet18/resnet18.op13_bn.onnx --preprocess torchvision --batch-size 1 \
  --out "$(mktemp -d)" "$@" --input $images >> "$log" 2>&1
uptime >> "$log"
