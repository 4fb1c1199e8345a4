//! (being written for #16)
