//! capture-station: on-site photo capture for Chinese diploma e-registration (学历证书电子注册图像采集).
//!
//! The library holds everything testable without a screen; `src/main.rs` is a thin front that starts the GUI
//! or runs a subcommand. Only `ui` knows egui.

pub mod camera;
pub mod cli;
pub mod code;
pub mod compliance;
pub mod config;
pub mod controller;
pub mod crypto;
pub mod face;
pub mod files;
pub mod group;
pub mod i18n;
pub mod imaging;
pub mod logging;
pub mod pipeline;
pub mod roster;
pub mod shot;
pub mod sound;
pub mod store;
pub mod text;
pub mod ui;
pub mod upload;
pub mod workflow;
