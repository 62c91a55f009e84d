/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_TSAN_H
#define SKUA_UTIL_TSAN_H

/*
 * liburcu is not built with ThreadSanitizer, so the release/acquire
 * ordering inside its queues and hash tables is invisible to it. Code that
 * hands an object to another thread through liburcu says so here:
 * tsan_release(obj) before publishing, tsan_acquire(obj) after obtaining it.
 * The same around call_rcu(): release before, acquire in the callback,
 * and name the callback rcu_free_<what> (tests/tsan.supp excuses those
 * frees: TSan cannot see a grace period end after the last reader).
 * Both compile to nothing outside TSan builds.
 */
#if defined(__SANITIZE_THREAD__)
#define SKUA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SKUA_TSAN 1
#endif
#endif

#ifdef SKUA_TSAN
#include <sanitizer/tsan_interface.h>
#define tsan_release(p) __tsan_release((void *)(p))
#define tsan_acquire(p) __tsan_acquire((void *)(p))
#else
#define tsan_release(p) ((void)(p))
#define tsan_acquire(p) ((void)(p))
#endif

#endif
