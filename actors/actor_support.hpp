#pragma once

// What the domain actors share: new ids, and passing a storage error on to
// the requester while counting it.

#include <string>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

namespace memoryd {

/// A random (v4) UUID in lower case.
inline std::string new_uuid() {
  thread_local boost::uuids::random_generator generate;
  return boost::uuids::to_string(generate());
}

/// An error continuation that counts the failure in `self`'s probe and
/// delivers the error through `rp`.
template <class Self, class T>
auto fail_to(Self self, caf::typed_response_promise<T> rp) {
  return [self, rp](caf::error& err) mutable {
    self->state.probe->failed();
    rp.deliver(std::move(err));
  };
}

} // namespace memoryd
