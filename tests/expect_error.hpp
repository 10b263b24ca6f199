// Assertions on the exceptions the library throws (needs GoogleTest).
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

namespace raiiaf::testing {

// The message of the ErrorClass exception that `call` throws; a test failure
// and "" when it throws nothing or another exception.
template <class ErrorClass, class Call>
std::string thrown_message(Call&& call) {
    try {
        call();
    } catch (const ErrorClass& error) {
        return error.what();
    } catch (const std::exception& error) {
        ADD_FAILURE() << "expected another error class, got: " << error.what();
        return {};
    }
    ADD_FAILURE() << "expected an error, none was thrown";
    return {};
}

}  // namespace raiiaf::testing

#define EXPECT_MESSAGE_HAS(message, text)                                                     \
    do {                                                                                      \
        const std::string message_ = (message);                                               \
        EXPECT_NE(message_.find(text), std::string::npos) << "message: " << message_;        \
    } while (0)
