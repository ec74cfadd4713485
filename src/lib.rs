//! capture-station: on-site photo capture for Chinese diploma e-registration (学历证书电子注册图像采集).
pub mod code;
