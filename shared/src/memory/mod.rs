//! Memory helpers for the coach: topic extraction, importance scoring,
//! token estimates, context selection within a token budget, and
//! extractive summaries. Pure: the server stores and searches; this module
//! only computes.
