//! The five embedded ONNX models, loaded once per process by tract and run single-threaded. The only
//! place that knows about tensors.

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;

use super::roi::Layout;

/// Face detector, MediaPipe short range (128×128).
pub(crate) const DETECTOR: &[u8] =
    include_bytes!("../../assets/models/face_detection_short_range.onnx");
/// Face mesh, 468 points (192×192).
pub(crate) const LANDMARKS: &[u8] = include_bytes!("../../assets/models/face_landmark.onnx");
/// Eye contour and iris (64×64).
pub(crate) const IRIS: &[u8] = include_bytes!("../../assets/models/iris_landmark.onnx");
/// Palm detector, MediaPipe lite, converted for a 128×128 input.
pub(crate) const PALM: &[u8] = include_bytes!("../../assets/models/palm_detection_lite.onnx");
/// Hand landmarks, 21 points (224×224).
pub(crate) const HAND: &[u8] = include_bytes!("../../assets/models/hand_landmark_lite.onnx");

/// Why the face models could not run.
#[derive(Debug, Clone, thiserror::Error)]
#[error("face model {model}: {message}")]
pub struct FaceError {
    /// Which model.
    pub model: &'static str,
    /// What went wrong.
    pub message: String,
}

impl FaceError {
    /// A model whose outputs are not the expected sizes (lists the sizes it gave).
    pub(crate) fn unexpected_outputs(model: &'static str, outs: &[Vec<f32>]) -> Self {
        Self {
            model,
            message: format!(
                "unexpected outputs {:?}",
                outs.iter().map(Vec::len).collect::<Vec<_>>()
            ),
        }
    }
}

/// A loaded, optimised model with its square input size and layout.
pub(crate) struct Plan {
    name: &'static str,
    plan: Arc<TypedRunnableModel>,
    /// Input side in pixels.
    pub size: usize,
    /// Input layout.
    pub layout: Layout,
}

fn load(name: &'static str, bytes: &[u8]) -> Result<Plan, FaceError> {
    let fail = |e: TractError| FaceError {
        model: name,
        message: format!("{e:#}"),
    };
    let model = tract_onnx::onnx()
        .model_for_read(&mut &*bytes)
        .map_err(fail)?
        .into_optimized()
        .map_err(fail)?;
    let fact = model.input_fact(0).map_err(fail)?;
    let shape: Vec<usize> = fact
        .shape
        .as_concrete()
        .map(|s| s.to_vec())
        .ok_or_else(|| FaceError {
            model: name,
            message: "input shape is not static".into(),
        })?;
    let (size, layout) = match shape.as_slice() {
        [1, 3, h, w] if h == w => (*h, Layout::Nchw),
        [1, h, w, 3] if h == w => (*h, Layout::Nhwc),
        other => {
            return Err(FaceError {
                model: name,
                message: format!("unexpected input shape {other:?}"),
            });
        }
    };
    let plan = model.into_runnable().map_err(fail)?;
    Ok(Plan {
        name,
        plan,
        size,
        layout,
    })
}

/// The models, shared by every thread of the process.
pub(crate) struct Nets {
    pub detector: Plan,
    pub landmarks: Plan,
    pub iris: Plan,
    pub palm: Plan,
    pub hand: Plan,
}

static NETS: OnceLock<Result<Arc<Nets>, FaceError>> = OnceLock::new();

/// Loads (once) and returns the models.
pub(crate) fn nets() -> Result<Arc<Nets>, FaceError> {
    NETS.get_or_init(|| {
        Ok(Arc::new(Nets {
            detector: load("face_detection_short_range", DETECTOR)?,
            landmarks: load("face_landmark", LANDMARKS)?,
            iris: load("iris_landmark", IRIS)?,
            palm: load("palm_detection_lite", PALM)?,
            hand: load("hand_landmark_lite", HAND)?,
        }))
    })
    .clone()
}

/// A model's running state (reused between calls so nothing is reallocated per frame).
pub(crate) struct Session {
    state: TypedSimpleState,
    name: &'static str,
    size: usize,
}

impl Session {
    pub fn new(plan: &Plan) -> Result<Self, FaceError> {
        let state = plan.plan.spawn().map_err(|e| FaceError {
            model: plan.name,
            message: format!("{e:#}"),
        })?;
        Ok(Self {
            state,
            name: plan.name,
            size: plan.size,
        })
    }

    /// Runs the model on one `3·size·size` input; returns every output flattened, in graph order.
    pub fn run(&mut self, input: &[f32], layout: Layout) -> Result<Vec<Vec<f32>>, FaceError> {
        let n = self.size;
        let shape: [usize; 4] = match layout {
            Layout::Nchw => [1, 3, n, n],
            Layout::Nhwc => [1, n, n, 3],
        };
        let fail = |e: TractError| FaceError {
            model: self.name,
            message: format!("{e:#}"),
        };
        let tensor = Tensor::from_shape(&shape, input).map_err(fail)?;
        let outputs = self.state.run(tvec!(tensor.into())).map_err(fail);
        clear_upper_vector_state();
        let outputs = outputs?;
        outputs
            .iter()
            .map(|o| {
                o.try_as_plain_ram()
                    .and_then(|v| v.as_slice::<f32>().map(<[f32]>::to_vec))
                    .map_err(|e| FaceError {
                        model: self.name,
                        message: format!("{e:#}"),
                    })
            })
            .collect()
    }
}

/// Some of tract's x86 kernels return with the upper halves of the AVX registers dirty (no
/// `vzeroupper`). Until something clears them, every SSE instruction after them pays a false
/// dependency: the crop and the JPEG encode that follow a palm search ran 2–3× slower. This clears them.
fn clear_upper_vector_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked just above), which is all `zero_upper` needs.
        unsafe { zero_upper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn zero_upper() {
    // vzeroupper only zeroes the upper 128 bits of the vector registers, which hold no live value
    // across this call.
    std::arch::x86_64::_mm256_zeroupper();
}
