//! The live camera: the frame pipeline with the compliance checker plugged in as an analysis stage.

use crate::camera::{CameraSettings, DemoHandle, open_source};
use crate::compliance::{LiveAnalysis, LiveState, PhotoSpec, analyze_live};
use crate::i18n::Text;
use crate::pipeline::{AnalysisHandle, AnalysisInput, FrameAnalyzer, Pipeline, PipelineBuilder};

use super::Notify;

/// Runs the live checks on each analysis proxy.
struct LiveChecks {
    spec: PhotoSpec,
    state: Option<LiveState>,
}

impl FrameAnalyzer for LiveChecks {
    type Output = LiveAnalysis;

    fn analyze(&mut self, input: &AnalysisInput) -> LiveAnalysis {
        let full = (input.frame.image.width(), input.frame.image.height());
        let state = self.state.get_or_insert_with(|| LiveState::new(Some(full)));
        analyze_live(&input.proxy, &self.spec, state)
    }
}

/// A running camera with live analysis.
pub struct LiveCamera {
    /// The pipeline (preview, shoot, stats).
    pub pipeline: Pipeline,
    /// Live check results.
    pub checks: AnalysisHandle<LiveAnalysis>,
    /// Demo controls when the demo source runs.
    pub demo: Option<DemoHandle>,
    /// A notice for the operator (e.g. "no webcam found; showing the demo camera").
    pub notice: Option<Text>,
}

/// Opens the configured source (falling back to the demo when `auto` finds no webcam) and starts the pipeline.
pub fn start_camera(
    settings: &CameraSettings,
    spec: &PhotoSpec,
    notify: Notify,
) -> Result<LiveCamera, Text> {
    let opened = open_source(settings).map_err(|e| text(e.text()))?;
    let mut builder =
        PipelineBuilder::new(opened.source, settings.pipeline_config()).on_update(move || notify());
    let checks = builder.add_analyzer(
        "compliance",
        LiveChecks {
            spec: spec.clone(),
            state: None,
        },
    );
    let pipeline = builder.start().map_err(|e| text(e.text()))?;
    Ok(LiveCamera {
        pipeline,
        checks,
        demo: opened.demo,
        notice: opened.notice.map(text),
    })
}

fn text(t: crate::camera::Text) -> Text {
    Text::new(t.zh, t.en)
}
