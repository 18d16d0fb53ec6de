//! The KRM function wire format: ResourceList in, ResourceList out, and the annotations the
//! hosts (kustomize 4.5/5.x, kpt) use to track items.

pub mod annotations;
pub mod item;
pub mod object;
pub mod output;
pub mod resource_list;

pub use item::Item;
pub use object::ObjectKey;
pub use resource_list::ResourceList;
