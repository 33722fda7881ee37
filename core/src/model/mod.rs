//! The article model: an [`article::Article`], its publication date, and
//! the check every URL passes before it leaves kanbao ([`link::Link`]).

pub mod article;
pub mod link;
pub mod published;
