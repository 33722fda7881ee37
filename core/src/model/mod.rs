//! The article model: an [`article::Article`] and its publication date.

pub mod article;
pub mod published;
