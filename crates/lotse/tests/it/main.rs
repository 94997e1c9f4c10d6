//! Tests of the `lotse` binary as operators run it: real processes, real listeners.

mod cli;
mod instances;
mod shutdown;
