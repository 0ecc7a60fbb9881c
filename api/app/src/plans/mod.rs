//! Plans and their seven steps (key points, measurements and actions follow).

pub mod actions;
pub mod key_points;
pub mod plan;
pub mod steps;
