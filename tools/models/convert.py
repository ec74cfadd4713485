#!/usr/bin/env python3
"""Convert MediaPipe's face and hand models (TFLite, from the `mediapipe` wheel) to ONNX.

Run through `tools/models/convert.sh`, which sets up the pinned venv first.

Steps:
  1. Fetch mediapipe==0.10.14 (one pinned wheel) with `pip download --no-deps`
     and check its sha256 against WHEEL_SHA256 below.
  2. Extract the five .tflite files and the wheel's LICENSE.
  3. Convert each model with tflite2onnx 0.4.1, patched at run time (see
     `patch_tflite2onnx`) so PRELU slopes stored as fp16 + DEQUANTIZE work.
  4. Post-process the ONNX graph: drop the converter's value_info, sort
     initializers by name (the converter emits them in set order, which is not
     reproducible), re-run ONNX shape inference in strict mode, require every
     shape to be static, run the full ONNX checker.
  5. Write assets/models/{*.onnx, LICENSE, NOTICE, PROVENANCE.json}.

Nothing here edits the installed tflite2onnx sources: the fix is a monkeypatch
applied in this process only.
"""

import argparse
import datetime as _dt
import hashlib
import importlib.metadata as md
import inspect
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

MEDIAPIPE_VERSION = "0.10.14"
# The one wheel we convert from. Pinned by file name and sha256 so every run,
# on any host, starts from the same bytes (the .tflite files are platform
# independent, but pinning one wheel keeps the hash check meaningful).
WHEEL_FILENAME = (
    "mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
)
WHEEL_SHA256 = "a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4"
PIP_DOWNLOAD_ARGS = [
    "--no-deps",
    "--only-binary=:all:",
    "--platform", "manylinux_2_17_x86_64",
    "--python-version", "3.11",
    "--implementation", "cp",
    "--abi", "cp311",
    "mediapipe==" + MEDIAPIPE_VERSION,
]
WHEEL_LICENSE_PATH = "mediapipe-%s.dist-info/LICENSE" % MEDIAPIPE_VERSION

TFLITE2ONNX_VERSION = "0.4.1"

# Per model: where it lives in the wheel, and what its tensors mean. The
# meanings come from MediaPipe's graphs (face_detection_short_range.pbtxt,
# face_landmark_cpu.pbtxt, iris_landmark_cpu.pbtxt); shapes are checked against
# the converted graph at run time.
MODELS = [
    {
        "name": "face_detection_short_range",
        "wheel_path": "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "input_size": 128,
        "value_range": [-1.0, 1.0],
        "description": "BlazeFace short-range face detector (faces within ~2 m)",
        "outputs": {
            "regressors": "per anchor (896 SSD anchors: 16x16 grid x 2 at stride 8, "
                          "8x8 grid x 6 at stride 16, fixed anchor size 1): "
                          "[dx, dy, w, h, then 6 keypoints x (x, y)] in input pixels "
                          "(divide by 128 and add the anchor centre); keypoints are "
                          "right eye, left eye, nose tip, mouth centre, right ear "
                          "tragion, left ear tragion",
            "classificators": "per anchor face score logit (apply sigmoid; MediaPipe "
                              "clips the logit to [-100, 100], threshold 0.5)",
        },
    },
    {
        "name": "face_landmark",
        "wheel_path": "mediapipe/modules/face_landmark/face_landmark.tflite",
        "input_size": 192,
        "value_range": [0.0, 1.0],
        "description": "Face Mesh: 468 3-D face landmarks on a 192x192 face crop",
        "outputs": {
            "conv2d_21": "468 landmarks x (x, y, z) = 1404 floats, x/y in input "
                         "pixels (0..192), z a relative depth on about the same scale as x",
            "conv2d_31": "face presence flag, a logit (MediaPipe applies sigmoid)",
        },
    },
    {
        "name": "iris_landmark",
        "wheel_path": "mediapipe/modules/iris_landmark/iris_landmark.tflite",
        "input_size": 64,
        "value_range": [0.0, 1.0],
        "description": "Iris landmarks on a 64x64 crop of one (left) eye; MediaPipe "
                       "feeds the right eye mirrored horizontally",
        "outputs": {
            "output_eyes_contours_and_brows": "71 eye-contour and brow points x (x, y, z) "
                                              "= 213 floats, input pixels (0..64)",
            "output_iris": "5 iris points x (x, y, z) = 15 floats (centre first, "
                           "then 4 on the iris edge), input pixels (0..64)",
        },
    },
    {
        "name": "palm_detection_lite",
        "wheel_path": "mediapipe/modules/palm_detection/palm_detection_lite.tflite",
        # Run at 128 px instead of the original 192: the graph is fully
        # convolutional except two bilinear up-samplings with constant output
        # sizes, which `resize_input` scales with the input (see NOTICE).
        "native_input_size": 192,
        "input_size": 128,
        "value_range": [0.0, 1.0],
        "description": "BlazePalm palm detector (lite), run at 128x128 input",
        "outputs": {
            "Identity": "per anchor (896 SSD anchors at 128 px: 16x16 grid x 2 at "
                        "stride 8, 8x8 grid x 6 at stride 16, fixed anchor size 1): "
                        "[dx, dy, w, h, then 7 keypoints x (x, y)] in input pixels; "
                        "keypoint 0 is the wrist, 2 the middle finger's knuckle",
            "Identity_1": "per anchor palm score logit (apply sigmoid)",
        },
    },
    {
        "name": "hand_landmark_lite",
        "wheel_path": "mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
        "input_size": 224,
        "value_range": [0.0, 1.0],
        "description": "Hand landmarks (lite): 21 points on a 224x224 hand crop",
        "outputs": {
            "Identity": "21 landmarks x (x, y, z) = 63 floats, x/y in input pixels (0..224)",
            "Identity_1": "hand presence, a probability 0..1",
            "Identity_2": "handedness, probability of a right hand",
            "Identity_3": "21 world landmarks x (x, y, z) in metres",
        },
    },
]

log = logging.getLogger("convert")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# 1. the wheel
# --------------------------------------------------------------------------

def fetch_wheel(cache_dir, local_wheel=None):
    """Return the path of the pinned mediapipe wheel, sha256-checked."""
    if local_wheel:
        path = os.path.abspath(local_wheel)
    else:
        os.makedirs(cache_dir, exist_ok=True)
        path = os.path.join(cache_dir, WHEEL_FILENAME)
        if os.path.exists(path) and sha256_file(path) == WHEEL_SHA256:
            log.info("using cached %s", path)
        else:
            cmd = [sys.executable, "-m", "pip", "download", "--dest", cache_dir] + PIP_DOWNLOAD_ARGS
            log.info("running: %s", " ".join(cmd))
            subprocess.run(cmd, check=True)
    if not os.path.exists(path):
        raise SystemExit("expected wheel %s not found" % path)
    if os.path.basename(path) != WHEEL_FILENAME:
        raise SystemExit("unexpected wheel name %s (want %s)" % (path, WHEEL_FILENAME))
    got = sha256_file(path)
    if got != WHEEL_SHA256:
        raise SystemExit("sha256 mismatch for %s: got %s, want %s" % (path, got, WHEEL_SHA256))
    log.info("wheel sha256 OK: %s", got)
    return path


def extract(wheel, dest):
    """Extract the .tflite files and LICENSE; return {wheel_path: local_path}."""
    os.makedirs(dest, exist_ok=True)
    out = {}
    with zipfile.ZipFile(wheel) as z:
        for m in MODELS:
            data = z.read(m["wheel_path"])
            p = os.path.join(dest, m["name"] + ".tflite")
            with open(p, "wb") as f:
                f.write(data)
            out[m["wheel_path"]] = p
        lic = z.read(WHEEL_LICENSE_PATH)
    head = lic[:200].decode("utf-8")
    if "Apache License" not in head or "Version 2.0" not in head:
        raise SystemExit("%s does not look like the Apache-2.0 text" % WHEEL_LICENSE_PATH)
    p = os.path.join(dest, "LICENSE")
    with open(p, "wb") as f:
        f.write(lic)
    out[WHEEL_LICENSE_PATH] = p
    return out


# --------------------------------------------------------------------------
# 2. the tflite2onnx fix
# --------------------------------------------------------------------------

PATCH_DESCRIPTION = (
    "Run-time monkeypatch of tflite2onnx 0.4.1 (tflite2onnx.graph.Graph.convert), "
    "applied by tools/models/convert.py; the installed package is not edited. "
    "Stock 0.4.1 inserts a leading 1 into a PRELU slope's shape (rank 3 HWC -> 4) "
    "so the NHWC->NCHW layout transpose can apply, but when the slope is the output "
    "of an fp16 DEQUANTIZE the transpose is also propagated to the DEQUANTIZE's fp16 "
    "source tensor, which is still rank 3, and tflite2onnx.layout.transform raises "
    "IndexError. The patch, before layout propagation, reshapes each such fp16 "
    "source tensor (shape and data) to the slope's 4-D shape by prepending 1s. "
    "Values are unchanged; the fp16 -> fp32 fold later makes it an fp32 PRelu "
    "slope of shape [1, C, 1, 1]."
)

_patch_counts = {"padded_fp16_prelu_slopes": 0}


def _pad_fp16_prelu_slopes(graph):
    """Pad fp16 DEQUANTIZE sources that feed a PRELU slope to the slope's rank."""
    from onnx import TensorProto

    n = 0
    for op in graph.ops:
        if op.type != "PRelu" or len(op.inputs) < 2:
            continue
        alpha = op.inputs[1]
        if not alpha.producers:
            continue
        deq = alpha.producers[0]
        if deq.type != "DequantizeLinear" or not deq.inputs:
            continue
        src = deq.inputs[0]
        if src.dtype != TensorProto.FLOAT16:
            continue
        if len(src.shape) >= len(alpha.shape):
            continue
        new_shape = [1] * (len(alpha.shape) - len(src.shape)) + list(src.shape)
        log.debug("padding fp16 PRELU slope %s %s -> %s", src.name, src.shape, new_shape)
        src.shape = new_shape
        if src.data is not None:
            src.data = src.data.reshape(new_shape)
        n += 1
    return n


def patch_tflite2onnx():
    import tflite2onnx
    from tflite2onnx import graph as t2o_graph

    if tflite2onnx.__version__ != TFLITE2ONNX_VERSION:
        raise SystemExit("tflite2onnx %s installed, the patch is for %s"
                         % (tflite2onnx.__version__, TFLITE2ONNX_VERSION))
    if getattr(t2o_graph.Graph.convert, "_capture_station_patched", False):
        return
    stock = t2o_graph.Graph.convert

    def convert(self, explicit_layouts):
        _patch_counts["padded_fp16_prelu_slopes"] += _pad_fp16_prelu_slopes(self)
        return stock(self, explicit_layouts)

    convert._capture_station_patched = True
    t2o_graph.Graph.convert = convert


def patch_source_sha256():
    src = inspect.getsource(_pad_fp16_prelu_slopes) + inspect.getsource(patch_tflite2onnx)
    return sha256_bytes(src.encode("utf-8"))


# --------------------------------------------------------------------------
# 3. conversion + post-processing
# --------------------------------------------------------------------------

def _dims(value_info):
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
            for d in value_info.type.tensor_type.shape.dim]


def _static(dims):
    return all(isinstance(d, int) and d > 0 for d in dims)


def postprocess(raw_path, out_path, model_info):
    import onnx
    from onnx import shape_inference

    m = onnx.load(raw_path)
    g = m.graph

    # value_info from the converter is dropped and re-derived by ONNX shape
    # inference (strict: any inconsistency is an error), so whatever a runtime
    # reads from it is consistent with the graph.
    del g.value_info[:]
    inits = sorted(g.initializer, key=lambda t: t.name)
    del g.initializer[:]
    g.initializer.extend(inits)

    m.producer_version = TFLITE2ONNX_VERSION
    m.doc_string = ("MediaPipe %s (mediapipe==%s, %s), converted to ONNX by "
                    "tools/models/convert.py with tflite2onnx %s (patched). Apache-2.0."
                    % (model_info["name"], MEDIAPIPE_VERSION, model_info["wheel_path"],
                       TFLITE2ONNX_VERSION))
    del m.metadata_props[:]
    for k, v in [("source_package", "mediapipe==" + MEDIAPIPE_VERSION),
                 ("source_path", model_info["wheel_path"]),
                 ("source_sha256", model_info["tflite_sha256"]),
                 ("license", "Apache-2.0"),
                 ("input_layout", "NCHW"),
                 ("input_value_range", json.dumps(model_info["value_range"]))]:
        p = m.metadata_props.add()
        p.key, p.value = k, v

    m = shape_inference.infer_shapes(m, check_type=True, strict_mode=True, data_prop=True)
    g = m.graph
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        d = _dims(vi)
        if not _static(d):
            raise SystemExit("%s: tensor %s has a non-static shape %s" % (out_path, vi.name, d))
    produced = {o for n in g.node for o in n.output}
    known = {vi.name for vi in g.value_info} | {o.name for o in g.output}
    missing = sorted(produced - known)
    if missing:
        raise SystemExit("%s: shape inference left %d tensors untyped, e.g. %s"
                         % (out_path, len(missing), missing[:5]))
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, out_path)
    return m


def describe(m, model_def):
    import onnx
    from onnx import TensorProto

    g = m.graph
    init_names = {t.name for t in g.initializer}
    inputs = [i for i in g.input if i.name not in init_names]
    assert len(inputs) == 1, inputs
    i = inputs[0]
    ishape = _dims(i)
    s = model_def["input_size"]
    if ishape != [1, 3, s, s]:
        raise SystemExit("%s: unexpected input shape %s" % (model_def["name"], ishape))
    outs = []
    for o in g.output:
        if o.name not in model_def["outputs"]:
            raise SystemExit("%s: unexpected output %s" % (model_def["name"], o.name))
        outs.append({
            "name": o.name,
            "shape": _dims(o),
            "dtype": onnx.helper.tensor_dtype_to_np_dtype(o.type.tensor_type.elem_type).name,
            "meaning": model_def["outputs"][o.name],
        })
    ops = {}
    for n in g.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return {
        "input": {
            "name": i.name,
            "shape": ishape,
            "layout": "NCHW",
            "dtype": onnx.helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type).name,
            "channel_order": "RGB",
            "value_range": model_def["value_range"],
            "note": ("the TFLite original takes NHWC [1,%d,%d,3]; tflite2onnx moved the "
                     "whole graph to NCHW, so feed planar RGB"
                     % ((model_def.get("native_input_size") or s,) * 2)),
        },
        "outputs": outs,
        "onnx_opset": [{"domain": o.domain or "ai.onnx", "version": o.version}
                       for o in m.opset_import],
        "onnx_ir_version": m.ir_version,
        "op_types": dict(sorted(ops.items())),
        "initializer_dtypes": sorted({onnx.helper.tensor_dtype_to_np_dtype(t.data_type).name
                                      for t in g.initializer}),
        "all_shapes_static": True,
        "fp16_tensors_left": any(t.data_type == TensorProto.FLOAT16 for t in g.initializer),
    }


def tflite_io(path):
    """Input/output names and shapes of the original TFLite model (no interpreter)."""
    import tflite

    with open(path, "rb") as f:
        buf = f.read()
    mod = tflite.Model.GetRootAsModel(buf, 0)
    sg = mod.Subgraphs(0)

    def t(ix):
        tt = sg.Tensors(ix)
        return {"name": tt.Name().decode(), "shape": [int(x) for x in tt.ShapeAsNumpy()]}

    counts = {}
    for k in range(sg.OperatorsLength()):
        op = sg.Operators(k)
        oc = mod.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        name = tflite.opcode2name(code)
        counts[name] = counts.get(name, 0) + 1
    return {
        "inputs": [t(sg.Inputs(k)) for k in range(sg.InputsLength())],
        "outputs": [t(sg.Outputs(k)) for k in range(sg.OutputsLength())],
        "op_types": dict(sorted(counts.items())),
        "fp16_dequantize_ops": counts.get("DEQUANTIZE", 0),
    }


def convert_one(tflite_path, out_path, model_def, scratch, native_out=None):
    import tflite2onnx

    patch_tflite2onnx()
    raw = os.path.join(scratch, model_def["name"] + ".raw.onnx")
    if os.path.exists(raw):
        os.remove(raw)
    before = _patch_counts["padded_fp16_prelu_slopes"]
    tflite2onnx.convert(tflite_path, raw)
    padded = _patch_counts["padded_fp16_prelu_slopes"] - before
    info = dict(model_def, tflite_sha256=sha256_file(tflite_path))
    native = model_def.get("native_input_size")
    if native:
        if native_out:
            postprocess(raw, native_out, dict(info, input_size=native))
        resize_input(raw, native, model_def["input_size"])
    m = postprocess(raw, out_path, info)
    return m, padded


def resize_input(raw_path, native, size):
    """Rewrite a fully convolutional graph for a size x size input instead of native x native.

    The input's spatial dims change, every Resize whose output `sizes` is a
    constant has its spatial sizes scaled by size / native (they must divide
    evenly), and the outputs' anchor counts are left to shape inference."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(raw_path)
    g = m.graph
    dims = g.input[0].type.tensor_type.shape.dim
    if [d.dim_value for d in dims[2:]] != [native, native]:
        raise SystemExit("%s: input is not %dx%d" % (raw_path, native, native))
    dims[2].dim_value = dims[3].dim_value = size
    inits = {t.name: t for t in g.initializer}
    resized = 0
    for n in g.node:
        if n.op_type != "Resize" or len(n.input) < 4:
            continue
        t = inits.get(n.input[3])
        if t is None:
            raise SystemExit("%s: Resize %s has non-constant sizes" % (raw_path, n.name))
        v = numpy_helper.to_array(t).copy()
        for k in (2, 3):
            if (v[k] * size) % native:
                raise SystemExit("%s: Resize size %d does not scale to %d px" % (raw_path, v[k], size))
            v[k] = v[k] * size // native
        t.CopyFrom(numpy_helper.from_array(v, t.name))
        resized += 1
    if not resized:
        raise SystemExit("%s: no Resize to rescale" % raw_path)
    # Every output is per anchor, and every anchor grid scales with the input.
    for o in g.output:
        d = o.type.tensor_type.shape.dim[1]
        if (d.dim_value * size * size) % (native * native):
            raise SystemExit("%s: output %s does not scale to %d px" % (raw_path, o.name, size))
        d.dim_value = d.dim_value * size * size // (native * native)
    onnx.save(m, raw_path)


# --------------------------------------------------------------------------
# 4. outputs
# --------------------------------------------------------------------------

def versions():
    names = ["tflite2onnx", "tflite", "onnx", "numpy", "protobuf", "flatbuffers"]
    v = {n: md.version(n) for n in names}
    v["python"] = platform.python_version()
    return v


def notice_text(results):
    lines = [
        "Face and hand models in this directory",
        "======================================",
        "",
        "face_detection_short_range.onnx, face_landmark.onnx, iris_landmark.onnx,",
        "palm_detection_lite.onnx and hand_landmark_lite.onnx are",
        "machine-learning models from MediaPipe, by The MediaPipe Authors (Google),",
        "licensed under the Apache License, Version 2.0 (see LICENSE, which is the",
        "LICENSE file shipped in the mediapipe %s wheel, copied verbatim: the" % MEDIAPIPE_VERSION,
        "Apache-2.0 text, followed by a notice MediaPipe carries for unrelated code).",
        "",
        "Source: the Python package mediapipe==%s from PyPI," % MEDIAPIPE_VERSION,
        "  %s" % WHEEL_FILENAME,
        "  sha256 %s" % WHEEL_SHA256,
        "  upstream project: https://github.com/google/mediapipe",
        "",
    ]
    for r in results:
        lines.append("  %-34s <- %s" % (r["onnx_file"], r["source_path"]))
        lines.append("  %-34s    (%s)" % ("", r["description"]))
    lines += [
        "",
        "These files are MODIFIED versions of the originals. Changes made by",
        "tools/models/convert.py in this repository (see PROVENANCE.json for hashes):",
        "",
        "  * converted from TensorFlow Lite (.tflite) to ONNX (opset 11) with",
        "    tflite2onnx %s, with a small run-time fix to the converter for PRELU" % TFLITE2ONNX_VERSION,
        "    slopes stored as fp16 (described in PROVENANCE.json);",
        "  * fp16 weights (face_detection_short_range, face_landmark and the hand",
        "    models) were widened to fp32 and their DEQUANTIZE ops removed (values",
        "    unchanged);",
        "  * palm_detection_lite takes a 128x128 input instead of the original",
        "    192x192: the input shape and the constant output sizes of its two",
        "    bilinear Resize (up-sampling) ops were scaled by 2/3, so it has 896",
        "    anchors instead of 2016 (the weights are unchanged);",
        "  * data layout changed from NHWC to NCHW: inputs are [1, 3, H, W], conv",
        "    weights were transposed, Transpose ops were inserted before Reshape ops,",
        "    and 4-D outputs are NCHW (face_landmark: [1, 1404, 1, 1] and",
        "    [1, 1, 1, 1] instead of [1, 1, 1, 1404] and [1, 1, 1, 1]);",
        "  * each TFLite op became its ONNX counterpart: CONV_2D and",
        "    DEPTHWISE_CONV_2D -> Conv (grouped for depthwise), PAD -> Pad,",
        "    ADD -> Add, MAX_POOL_2D -> MaxPool, RELU -> Relu, PRELU -> PRelu,",
        "    CONCATENATION -> Concat, RESHAPE -> Reshape, RESIZE_BILINEAR -> Resize;",
        "  * graph metadata: value_info re-derived by ONNX shape inference,",
        "    initializers sorted by name, doc string and metadata properties added.",
        "",
        "The numerical behaviour is the original's up to float rounding; checked by",
        "tools/models/verify.py against the TFLite originals.",
        "",
    ]
    return "\n".join(lines)


def convert_all(out_dir, work_dir, local_wheel=None, write_metadata=True, keep_native=False):
    """Do the whole conversion into out_dir. Returns the provenance dict.

    With keep_native, a model run at another input size than its original is also
    written at its native size as <name>.native.onnx (verify.py compares that one
    with the TFLite original)."""
    os.makedirs(out_dir, exist_ok=True)
    cache = os.path.join(work_dir, "wheels")
    wheel = fetch_wheel(cache, local_wheel)
    src_dir = os.path.join(work_dir, "tflite")
    extracted = extract(wheel, src_dir)
    scratch = tempfile.mkdtemp(prefix="convert-", dir=work_dir)
    results = []
    try:
        for md_ in MODELS:
            tfl = extracted[md_["wheel_path"]]
            out = os.path.join(out_dir, md_["name"] + ".onnx")
            log.info("converting %s -> %s", md_["wheel_path"], out)
            native_out = None
            if keep_native and md_.get("native_input_size"):
                native_out = os.path.join(out_dir, md_["name"] + ".native.onnx")
            m, padded = convert_one(tfl, out, md_, scratch, native_out)
            d = describe(m, md_)
            results.append({
                "name": md_["name"],
                "description": md_["description"],
                "onnx_file": os.path.basename(out),
                "onnx_sha256": sha256_file(out),
                "onnx_size_bytes": os.path.getsize(out),
                "source_path": md_["wheel_path"],
                "source_sha256": sha256_file(tfl),
                "source_size_bytes": os.path.getsize(tfl),
                "source_tflite": tflite_io(tfl),
                "patch_fp16_prelu_slopes_padded": padded,
                **d,
            })
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    prov = {
        "what": "MediaPipe face and hand models converted from TFLite to ONNX for tract-onnx",
        "generated_by": "tools/models/convert.py (run via tools/models/convert.sh)",
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d"),
        "source": {
            "package": "mediapipe",
            "version": MEDIAPIPE_VERSION,
            "index": "PyPI",
            "fetched_with": "pip download " + " ".join(PIP_DOWNLOAD_ARGS),
            "wheel": WHEEL_FILENAME,
            "wheel_sha256": WHEEL_SHA256,
            "license": "Apache-2.0",
            "license_file_in_wheel": WHEEL_LICENSE_PATH,
            "license_file_sha256": sha256_file(extracted[WHEEL_LICENSE_PATH]),
        },
        "converter": {
            "name": "tflite2onnx",
            "version": TFLITE2ONNX_VERSION,
            "patch": PATCH_DESCRIPTION,
            "patch_source_sha256": patch_source_sha256(),
            "postprocessing": [
                "value_info removed and re-derived with onnx.shape_inference.infer_shapes"
                "(strict_mode=True, data_prop=True)",
                "initializers sorted by name (converter order is not deterministic)",
                "producer_version, doc_string and metadata_props set",
                "every graph input/output/value_info shape checked static; batch fixed at 1",
                "onnx.checker.check_model(full_check=True)",
            ],
            "environment": versions(),
        },
        "models": results,
    }
    if write_metadata:
        shutil.copyfile(extracted[WHEEL_LICENSE_PATH], os.path.join(out_dir, "LICENSE"))
        with open(os.path.join(out_dir, "NOTICE"), "w") as f:
            f.write(notice_text(results))
        with open(os.path.join(out_dir, "PROVENANCE.json"), "w") as f:
            json.dump(prov, f, indent=2)
            f.write("\n")
    return prov


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", default=os.path.join(REPO_ROOT, "assets", "models"))
    ap.add_argument("--work-dir", default=os.path.join(REPO_ROOT, "target", "tools-models-work"),
                    help="wheel cache and extracted .tflite files")
    ap.add_argument("--wheel", help="use this local copy of %s instead of pip download "
                                    "(still sha256-checked)" % WHEEL_FILENAME)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.INFO,
                        format="%(name)s: %(message)s")
    # tflite2onnx warns once per fp16 tensor ("float16 not supported/tested"); the
    # fp16 tensors are all folded to fp32, and verify.py checks the numbers.
    logging.getLogger("tflite2onnx").setLevel(logging.ERROR)
    prov = convert_all(a.out_dir, a.work_dir, a.wheel)
    for r in prov["models"]:
        print("%-32s %9d bytes  in %s %s  out %s" % (
            r["onnx_file"], r["onnx_size_bytes"], r["input"]["name"], r["input"]["shape"],
            ", ".join("%s %s" % (o["name"], o["shape"]) for o in r["outputs"])))
    print("wrote", a.out_dir)


if __name__ == "__main__":
    main()
