//! Input: key notation and the keymap that turns key presses into actions.

pub mod keys;
