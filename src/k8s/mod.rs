//! The Kubernetes vocabulary, a leaf module: what the API server accepts as a name, a label,
//! an image, a host, a path, a CIDR, a port, a quantity or a duration. It depends on nothing
//! else in the crate, so every layer can validate the way the API server would.

pub mod alb;
pub mod identity;
pub mod kinds;
pub mod labels;
pub mod object;
pub mod quantity;
pub mod validate;
