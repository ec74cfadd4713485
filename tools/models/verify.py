#!/usr/bin/env python3
"""Check assets/models/*.onnx against a fresh conversion and the TFLite originals.

Run through `tools/models/convert.sh --verify`. It:
  1. checks the committed ONNX files against the sha256s in PROVENANCE.json;
  2. re-runs the conversion (tools/models/convert.py) into a temp dir, from the
     same sha256-pinned wheel, and checks the source .tflite hashes match;
  3. runs the same inputs (3 seeded random tensors per model, plus a real face
     pipeline on scikit-image's "astronaut" photo when scikit-image is
     installed) through
       - onnxruntime on the committed ONNX   (the reference below),
       - onnxruntime on the fresh ONNX       (must match to 1e-5 relative),
       - tract 0.23.9 (Python bindings, same version as our Rust crate) on the
         committed ONNX                      (must match to 1e-3 relative),
       - the original .tflite in the LiteRT interpreter (ai-edge-litert), fed
         NHWC                                (must match to 1e-3 relative; a model
         run at another input size than its original, the palm detector, is
         compared at its native size through a native-size conversion, since the
         resize only rescales constant shapes);
     "relative" = max |a - b| / max(1, max |reference|) per output tensor;
  4. sanity-checks the real-face pipeline: the detector finds the face, the
     landmark flag says "face", landmarks are within the 192 px crop, the iris
     centre is within the 64 px eye crop.
Exits 1 if anything is out of tolerance.
"""

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in tools/models
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert  # noqa: E402

TOL_FRESH = 1e-5
TOL_TRACT = 1e-3
TOL_TFLITE = 1e-3

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


# --------------------------------------------------------------------------
# runners: each takes an NCHW float32 array, returns {output name: array}
# --------------------------------------------------------------------------

def ort_runner(path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    iname = s.get_inputs()[0].name
    onames = [o.name for o in s.get_outputs()]

    def run(x):
        return dict(zip(onames, s.run(onames, {iname: x})))
    return run


def tract_runner(path):
    import onnx
    import tract

    onames = [o.name for o in onnx.load(path, load_external_data=False).graph.output]
    model = tract.onnx().load(path).into_model().into_runnable()

    def run(x):
        outs = model.run([x])
        return {n: o.to_numpy() for n, o in zip(onames, outs)}
    return run


def tflite_runner(path):
    """LiteRT interpreter on the original model, or None if none installs."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            return None
    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    outs = it.get_output_details()

    def run(x):
        it.set_tensor(inp["index"], np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
        it.invoke()
        return {o["name"]: it.get_tensor(o["index"]).copy() for o in outs}
    return run


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------

def random_inputs(model_def, n=3, seed=20240508):
    rng = np.random.default_rng(seed)
    s = model_def["input_size"]
    lo, hi = model_def["value_range"]
    return [("random#%d" % k, rng.uniform(lo, hi, (1, 3, s, s)).astype(np.float32))
            for k in range(n)]


def to_nchw(img01, value_range):
    """HWC float image in [0,1] -> NCHW float32 in value_range."""
    lo, hi = value_range
    x = img01 * (hi - lo) + lo
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None].astype(np.float32))


def resize(img, size):
    from skimage.transform import resize as sk_resize
    return sk_resize(img, (size, size), order=1, anti_aliasing=True, mode="edge")


def crop_square(img, cx, cy, side, out):
    """Axis-aligned square crop (pixels; zero padding outside) resized to out x out.

    Returns the crop and (x0, y0, side) so crop coords map back to the image."""
    side = max(int(round(side)), 2)
    x0 = int(round(cx - side / 2.0))
    y0 = int(round(cy - side / 2.0))
    h, w = img.shape[:2]
    pad = side
    padded = np.pad(img, ((pad, pad), (pad, pad), (0, 0)))
    c = padded[y0 + pad:y0 + pad + side, x0 + pad:x0 + pad + side]
    return resize(c, out), (x0, y0, side)


def ssd_anchors():
    """Anchor centres of face_detection_short_range (fixed_anchor_size: w = h = 1)."""
    anchors = []
    for grid, per_cell in [(16, 2), (8, 6)]:  # strides 8 and 16,16,16 (merged)
        for y in range(grid):
            for x in range(grid):
                for _ in range(per_cell):
                    anchors.append(((x + 0.5) / grid, (y + 0.5) / grid))
    a = np.array(anchors, dtype=np.float32)
    assert a.shape == (896, 2)
    return a


def face_pipeline(run, img01):
    """Detector -> face crop -> landmarks -> eye crop, with the given runners.

    `run` maps model name -> runner. Returns the inputs it built and facts."""
    facts = {}
    H, W = img01.shape[:2]
    det_in = to_nchw(resize(img01, 128), [-1.0, 1.0])
    d = run["face_detection_short_range"](det_in)
    reg = d["regressors"].reshape(896, 16)
    logit = d["classificators"].reshape(896).astype(np.float64)
    score = 1.0 / (1.0 + np.exp(-np.clip(logit, -100, 100)))
    best = int(np.argmax(score))
    anc = ssd_anchors()[best]
    cx = reg[best, 0] / 128.0 + anc[0]
    cy = reg[best, 1] / 128.0 + anc[1]
    bw = reg[best, 2] / 128.0
    bh = reg[best, 3] / 128.0
    kps = reg[best, 4:16].reshape(6, 2) / 128.0 + anc
    facts["detector_best_score"] = float(score[best])
    facts["detector_anchors_over_0.5"] = int((score > 0.5).sum())
    facts["detector_box_px"] = [float(cx * W), float(cy * H), float(bw * W), float(bh * H)]
    facts["detector_keypoints_px"] = (kps * [W, H]).round(1).tolist()

    # MediaPipe's ROI for the landmark model: box centre, 1.5 x the long side
    # (it also rotates by the eye line; skipped, the test face is upright).
    face, (fx0, fy0, fside) = crop_square(img01, cx * W, cy * H, 1.5 * max(bw * W, bh * H), 192)
    lm_in = to_nchw(face, [0.0, 1.0])
    lmo = run["face_landmark"](lm_in)
    pts = lmo["conv2d_21"].reshape(468, 3)
    flag = float(lmo["conv2d_31"].reshape(-1)[0])
    facts["landmark_flag_raw"] = flag
    facts["landmark_flag_sigmoid"] = float(1.0 / (1.0 + np.exp(-flag)))
    facts["landmark_x_range"] = [float(pts[:, 0].min()), float(pts[:, 0].max())]
    facts["landmark_y_range"] = [float(pts[:, 1].min()), float(pts[:, 1].max())]
    facts["landmark_z_range"] = [float(pts[:, 2].min()), float(pts[:, 2].max())]

    # Iris ROI: the subject's left eye (corners 263 and 362), 2.3 x corner distance.
    scale = fside / 192.0
    c1 = pts[263, :2] * scale + [fx0, fy0]
    c2 = pts[362, :2] * scale + [fx0, fy0]
    ecx, ecy = (c1 + c2) / 2.0
    eside = 2.3 * float(np.linalg.norm(c1 - c2))
    eye, _ = crop_square(img01, ecx, ecy, eside, 64)
    ir_in = to_nchw(eye, [0.0, 1.0])
    iro = run["iris_landmark"](ir_in)
    iris = iro["output_iris"].reshape(5, 3)
    contour = iro["output_eyes_contours_and_brows"].reshape(71, 3)
    facts["iris_centre_px"] = iris[0, :2].round(2).tolist()
    facts["iris_edge_radius_px"] = float(np.linalg.norm(iris[1:, :2] - iris[0, :2], axis=1).mean())
    facts["eye_contour_x_range"] = [float(contour[:, 0].min()), float(contour[:, 0].max())]
    facts["eye_contour_y_range"] = [float(contour[:, 1].min()), float(contour[:, 1].max())]
    inputs = {
        "face_detection_short_range": ("astronaut", det_in),
        "face_landmark": ("astronaut-face-crop", lm_in),
        "iris_landmark": ("astronaut-left-eye-crop", ir_in),
    }
    return inputs, facts


def astronaut():
    try:
        from skimage import data
    except ImportError:
        return None
    return data.astronaut().astype(np.float64) / 255.0


# --------------------------------------------------------------------------

def compare(tag, model, case, ref, got, tol):
    worst = 0.0
    parts = []
    for name, r in ref.items():
        if name not in got:
            fail("%s %s %s: output %s missing" % (tag, model, case, name))
            continue
        g = got[name]
        if r.size != g.size:
            fail("%s %s %s: %s has %d values, reference %d" % (tag, model, case, name, g.size, r.size))
            continue
        # NCHW [1,C,1,1] vs NHWC [1,1,1,C] hold the same values in the same order.
        r1 = r.reshape(-1).astype(np.float64)
        g1 = g.reshape(-1).astype(np.float64)
        mad = float(np.abs(r1 - g1).max())
        rel = mad / max(1.0, float(np.abs(r1).max()))
        worst = max(worst, rel)
        parts.append("%s abs %.3g rel %.3g" % (name, mad, rel))
        if not np.isfinite(rel) or rel > tol:
            fail("%s %s %s: %s max abs diff %.3g (rel %.3g > %.0e)" % (tag, model, case, name, mad, rel, tol))
    print("  %-20s %-26s %s" % (tag, case, "; ".join(parts)))
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assets-dir", default=os.path.join(convert.REPO_ROOT, "assets", "models"))
    ap.add_argument("--work-dir", default=os.path.join(convert.REPO_ROOT, "target", "tools-models-work"))
    ap.add_argument("--wheel", help="local copy of the pinned mediapipe wheel (sha256-checked)")
    ap.add_argument("--json", help="also write the numbers to this file")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("tflite2onnx").setLevel(logging.ERROR)

    with open(os.path.join(a.assets_dir, "PROVENANCE.json")) as f:
        committed = json.load(f)
    by_name = {m["name"]: m for m in committed["models"]}

    print("== committed files vs PROVENANCE.json")
    for m in convert.MODELS:
        p = os.path.join(a.assets_dir, m["name"] + ".onnx")
        got = convert.sha256_file(p)
        want = by_name[m["name"]]["onnx_sha256"]
        print("  %-34s sha256 %s %s" % (m["name"] + ".onnx", got, "OK" if got == want else "!= " + want))
        if got != want:
            fail("%s does not match PROVENANCE.json" % p)
    if committed["source"]["wheel_sha256"] != convert.WHEEL_SHA256:
        fail("PROVENANCE.json wheel sha256 differs from convert.py's pin")

    os.makedirs(a.work_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="verify-", dir=a.work_dir)
    print("== fresh conversion into", tmp)
    fresh = convert.convert_all(tmp, a.work_dir, a.wheel, write_metadata=False, keep_native=True)
    for r in fresh["models"]:
        c = by_name[r["name"]]
        if r["source_sha256"] != c["source_sha256"]:
            fail("%s: source .tflite sha256 %s != committed provenance %s"
                 % (r["name"], r["source_sha256"], c["source_sha256"]))
        same = r["onnx_sha256"] == c["onnx_sha256"]
        print("  %-34s fresh sha256 %s (%s)" % (r["onnx_file"], r["onnx_sha256"],
                                                "byte-identical to committed" if same
                                                else "differs from committed bytes"))

    tfl_dir = os.path.join(a.work_dir, "tflite")
    runners = {}
    have_tflite = True
    for m in convert.MODELS:
        n = m["name"]
        t = tflite_runner(os.path.join(tfl_dir, n + ".tflite"))
        if t is None:
            have_tflite = False
        runners[n] = {
            "ort": ort_runner(os.path.join(a.assets_dir, n + ".onnx")),
            "ort_fresh": ort_runner(os.path.join(tmp, n + ".onnx")),
            "tract": tract_runner(os.path.join(a.assets_dir, n + ".onnx")),
            "tflite": t,
            # a model run at another size than its original: its native-size
            # conversion is what the TFLite original is compared with
            "ort_native": (ort_runner(os.path.join(tmp, n + ".native.onnx"))
                           if m.get("native_input_size") else None),
        }
    if not have_tflite:
        print("NOTE: no TFLite interpreter importable (ai-edge-litert / tflite-runtime); "
              "the comparison with the original models is skipped")

    cases = {m["name"]: random_inputs(m) for m in convert.MODELS}
    facts = {}
    img = astronaut()
    if img is None:
        print("NOTE: scikit-image not installed; real-face checks skipped")
    else:
        # The crops are built from onnxruntime's outputs on the committed
        # models; every runner is then compared on those same crops below.
        ins, facts["ort"] = face_pipeline({n: r["ort"] for n, r in runners.items()}, img)
        for n, c in ins.items():
            cases[n].append(c)

    report = {"models": {}, "real_face": facts, "tolerances": {
        "fresh_vs_committed": TOL_FRESH, "tract_vs_ort": TOL_TRACT, "ort_vs_tflite": TOL_TFLITE}}
    for m in convert.MODELS:
        n = m["name"]
        print("== %s (relative = max abs diff / max(1, max |onnxruntime on committed|))" % n)
        rs = runners[n]
        worst = {"fresh_vs_committed": 0.0, "tract_vs_ort": 0.0, "ort_vs_tflite": 0.0}
        for case, x in cases[n]:
            ref = rs["ort"](x)
            worst["fresh_vs_committed"] = max(worst["fresh_vs_committed"],
                                              compare("fresh vs committed", n, case, ref, rs["ort_fresh"](x), TOL_FRESH))
            worst["tract_vs_ort"] = max(worst["tract_vs_ort"],
                                        compare("tract vs ort", n, case, ref, rs["tract"](x), TOL_TRACT))
            if rs["tflite"] is not None and rs["ort_native"] is None:
                worst["ort_vs_tflite"] = max(worst["ort_vs_tflite"],
                                             compare("tflite vs ort", n, case, ref, rs["tflite"](x), TOL_TFLITE))
        if rs["tflite"] is not None and rs["ort_native"] is not None:
            native_def = dict(m, input_size=m["native_input_size"])
            for case, x in random_inputs(native_def):
                worst["ort_vs_tflite"] = max(worst["ort_vs_tflite"],
                                             compare("tflite vs ort@native", n, case, rs["ort_native"](x),
                                                     rs["tflite"](x), TOL_TFLITE))
        report["models"][n] = worst
        print("  worst relative: " + ", ".join("%s %.3g" % kv for kv in worst.items()))

    if facts:
        f = facts["ort"]
        print("== real face (astronaut, onnxruntime on committed models)")
        for k, v in f.items():
            print("  %-28s %s" % (k, v))
        if f["detector_best_score"] < 0.5:
            fail("detector found no face in the astronaut photo (best %.3f)" % f["detector_best_score"])
        if f["landmark_flag_sigmoid"] < 0.5:
            fail("landmark flag says no face on the face crop (%.3f)" % f["landmark_flag_raw"])
        for k in ["landmark_x_range", "landmark_y_range"]:
            lo, hi = f[k]
            if lo < -5 or hi > 197 or hi - lo < 48:
                fail("%s %s not within the 192 px crop" % (k, f[k]))
        cx, cy = f["iris_centre_px"]
        if not (8 < cx < 56 and 8 < cy < 56):
            fail("iris centre %s not inside the 64 px eye crop" % f["iris_centre_px"])
        # The flag on noise, for contrast (logit or probability?).
        noise_flags = [float(runners["face_landmark"]["ort"](x)["conv2d_31"].reshape(-1)[0])
                       for c, x in cases["face_landmark"] if c.startswith("random")]
        report["landmark_flag_raw_on_random_inputs"] = noise_flags
        print("  landmark flag raw on random inputs: %s" % ["%.3f" % v for v in noise_flags])

    shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(report, fh, indent=2)
    if failures:
        print("VERIFY FAILED: %d problem(s)" % len(failures))
        sys.exit(1)
    print("VERIFY OK")


if __name__ == "__main__":
    main()
