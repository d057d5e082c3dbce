//! The model lab's engine side: the messages between the Lab screen and its
//! web worker ([`protocol`]), the worker's handler ([`worker`]) that builds
//! the dataset and runs walk-forward evaluation model by model, and the
//! page's handle on the worker ([`runner`]), whose cancel terminates the
//! worker at once, and one whole run (fetch, run, record) as [`session`],
//! shared by the Lab screen and the chat's cards.

pub mod protocol;
pub mod runner;
pub mod session;
pub mod worker;
