"""Live mode's shrink phase: each tower's web variants from its fp32 ONNX, each also shipped apart (graph and
weights file, as the browser downloads it and as the parity is measured)."""
import numpy as np

from .common import FP16_MIN_ELEMENTS, LOOKUP_BITS


def make_variants(folder, tower):
    """Every variant of <tower> from <tower>-fp32.onnx."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    fp32 = folder / f"{tower}-fp32.onnx"
    # int8: every MatMul per output channel, and the token embedding's Gather
    quantize_dynamic(fp32, folder / f"{tower}-int8.onnx", per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"])
    # int8-fp16: MatMuls in int8; the token embedding, projections and the rest in float16
    tmp = folder / f"{tower}-int8-matmul.tmp.onnx"
    quantize_dynamic(fp32, tmp, per_channel=True, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    save_model(store_weights_fp16(onnx.load(tmp)), folder / f"{tower}-int8-fp16.onnx")
    tmp.unlink()
    save_model(store_weights_fp16(onnx.load(fp32)), folder / f"{tower}-fp16.onnx")
    save_model(store_weights_int8(onnx.load(fp32)), folder / f"{tower}-int8-weights.onnx")
    if tower == "text":
        save_model(store_weights_int8(onnx.load(fp32), lookup_bits=LOOKUP_BITS),
                   folder / f"{tower}-int8-weights-emb6.onnx")


def store_weights_fp16(model):
    """Store each large float32 weight as float16 with a Cast back to float32 before its first use: half
    the bytes, while every operator still computes in float32 (what onnxruntime-web's CPU kernels run)."""
    from onnx import TensorProto, helper, numpy_helper
    graph = model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != TensorProto.FLOAT or np.prod(initializer.dims) < FP16_MIN_ELEMENTS:
            continue
        values = numpy_helper.to_array(initializer).astype(np.float16)
        name = initializer.name
        initializer.CopyFrom(numpy_helper.from_array(values, name + "_fp16"))
        casts.append(helper.make_node("Cast", [name + "_fp16"], [name], to=TensorProto.FLOAT, name=name + "_cast"))
    return with_nodes_first(model, casts)


def store_weights_int8(model, lookup_bits=8, skip=()):
    """Store each large float32 weight (but those named in skip) as int8 with one float32 scale per output
    channel. A table a Gather reads (the token and position embeddings) stays int8 in memory: its rows are
    gathered as int8 and only the rows read are scaled (gather_rows_int8). Any other weight is rebuilt as
    Cast(int8 -> float32) * scale before its first use; both inputs are constants, so onnxruntime folds them
    when the session starts: int8's bytes on the wire, float32 weights and arithmetic at run time. Unlike
    dynamic int8 no activation is rounded, so the error is smaller (about 0.6x of dynamic int8's on the
    full-size random model). (A DequantizeLinear instead of Cast and Mul is not folded and would keep the
    weight int8 in memory, but onnxruntime-web then dequantises every weight on every run: 20x slower per
    text on the full-size model, bench/results-live.md.)

    lookup_bits < 8 rounds the tables a Gather reads (the token embedding, 49,408 rows) to fewer levels,
    still stored as int8: gzip then stores each value in about lookup_bits bits. A token's row is only
    its input vector, so coarser rows cost little (6 bits: 6 MB less gzip on a ViT-B/32-sized text
    tower, error 3.1e-3 instead of 2.1e-3 on random weights)."""
    from onnx import TensorProto, helper, numpy_helper
    graph = model.graph
    per_column = set()  # weights a MatMul (or a Gemm without transB) multiplies from the right: (in, out)
    lookups = set()     # tables a Gather reads rows from: the token embedding, (vocabulary, width)
    for node in graph.node:
        transposed = any(a.name == "transB" and a.i for a in node.attribute)
        if node.op_type == "MatMul" or (node.op_type == "Gemm" and not transposed):
            per_column.add(node.input[1])
        if node.op_type == "Gather":
            lookups.add(node.input[0])
    dequantise = []
    for initializer in list(graph.initializer):  # a copy: the scales are appended as we go
        if (initializer.data_type != TensorProto.FLOAT or len(initializer.dims) < 2
                or np.prod(initializer.dims) < FP16_MIN_ELEMENTS or initializer.name in skip):
            continue
        weight = numpy_helper.to_array(initializer)  # (in, out) for MatMul; (out, ...) otherwise
        name = initializer.name
        if name in per_column:
            axes = tuple(range(weight.ndim - 1))            # one scale per column: (1, out)
        else:
            channel = 0 if weight.shape[0] > 1 else 1       # one scale per row (token, position, filter)
            axes = tuple(a for a in range(weight.ndim) if a != channel)
        top = 2 ** ((lookup_bits if name in lookups else 8) - 1) - 1  # 127 for 8 bits
        scale = np.abs(weight).max(axis=axes, keepdims=True) / top  # broadcastable against weight
        scale[scale == 0] = 1
        quantised = np.clip(np.rint(weight / scale), -top, top).astype(np.int8)
        initializer.CopyFrom(numpy_helper.from_array(quantised, name + "_int8"))
        graph.initializer.append(numpy_helper.from_array(scale.astype(np.float32), name + "_scale"))
        if name in lookups and name not in per_column and weight.ndim == 2 and weight.shape[0] > 1:
            gather_rows_int8(graph, name)  # (rows, 1) scales: one per row
            if not any(name in node.input for node in graph.node):
                continue
        if name in per_column and scale_after_matmul(graph, name):
            dequantise.append(helper.make_node("Cast", [name + "_int8"], [name + "_float"], to=TensorProto.FLOAT,
                                               name=name + "_cast"))
            continue
        dequantise += [helper.make_node("Cast", [name + "_int8"], [name + "_int8_float"], to=TensorProto.FLOAT,
                                        name=name + "_cast"),
                       helper.make_node("Mul", [name + "_int8_float", name + "_scale"], [name], name=name + "_mul")]
    return with_nodes_first(model, dequantise)


def scale_after_matmul(graph, name):
    """When only MatMuls read the weight <name> (now <name>_int8, (in, out), and <name>_scale, (1, out)),
    each reads Cast(int8) (<name>_float) and its product is scaled per column afterwards: x @ (w * s) is
    (x @ w) * s. onnxruntime folds the Cast alone when the session starts, so one float32 copy of the weight
    is made instead of two (Cast's, then Mul's), and the scaling costs one multiply per output. False (and
    nothing changed) when another operator reads the weight."""
    from onnx import helper
    readers = [node for node in graph.node if name in node.input]
    if not readers or any(node.op_type != "MatMul" or list(node.input).index(name) != 1 for node in readers):
        return False
    for node in readers:
        out = node.output[0]
        node.input[1] = name + "_float"
        node.output[0] = out + "_unscaled"
        index = list(graph.node).index(node)
        graph.node.insert(index + 1, helper.make_node("Mul", [out + "_unscaled", name + "_scale"], [out],
                                                      name=(node.name or name) + "_scale"))
    return True


def gather_rows_int8(graph, name):
    """Each Gather of the table <name> (now <name>_int8, (rows, width), and <name>_scale, (rows, 1)) rewritten
    to gather int8 rows and their scales and multiply only those: Cast(Gather(int8)) * Gather(scale)."""
    from onnx import TensorProto, helper
    for at, node in enumerate(list(graph.node)):
        if node.op_type != "Gather" or node.input[0] != name:
            continue
        axis = [helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"]
        assert axis in ([], [0]), f"{name}: a Gather along axis {axis}"
        out, ids, tag = node.output[0], node.input[1], f"{node.name or name}_{at}"
        rows = [helper.make_node("Gather", [name + "_int8", ids], [tag + "_rows_int8"], name=tag + "_rows"),
                helper.make_node("Cast", [tag + "_rows_int8"], [tag + "_rows_float"], to=TensorProto.FLOAT,
                                 name=tag + "_cast"),
                helper.make_node("Gather", [name + "_scale", ids], [tag + "_scales"], name=tag + "_scales"),
                helper.make_node("Mul", [tag + "_rows_float", tag + "_scales"], [out], name=tag + "_mul")]
        index = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, new in enumerate(rows):
            graph.node.insert(index + offset, new)


def with_nodes_first(model, nodes):
    """model with nodes (which read only initializers) before every other node: the node list stays in
    topological order, as ONNX requires."""
    import onnx
    rest = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(list(nodes) + rest)
    onnx.checker.check_model(model)
    return model


def save_model(model, path):
    import onnx
    onnx.save(model, str(path))


def ship_apart(folder, tower, variant):
    """(graph, weights) paths: <tower>-<variant>.onnx as the browser gets it (and the build measures it), its graph
    (<tower>-<variant>.graph.onnx, about 1 MB) and its large initializers in one ONNX external-data file
    beside it (<tower>-<variant>.weights; the graph names it). The worker hands the weights to onnxruntime-web
    as the session option externalData, which copies each weight straight into its tensor; a single file is
    first copied whole into onnxruntime's wasm heap, which keeps its largest size (about 100 MB more for the
    text tower, bench/results-live-memory.md). The build measures the parity on these very files (measure)."""
    import onnx
    graph, weights = folder / f"{tower}-{variant}.graph.onnx", folder / f"{tower}-{variant}.weights"
    weights.unlink(missing_ok=True)  # onnx appends to an existing data file
    onnx.save_model(onnx.load(str(folder / f"{tower}-{variant}.onnx")), str(graph), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=weights.name, size_threshold=1024)
    return graph, weights
