//! Input: the one table of actions, key notation and the keymap that turns
//! key presses into actions.

pub mod action;
pub mod keys;
