//! Class lists: students, their ID numbers and shooting order.

pub mod id_no;
