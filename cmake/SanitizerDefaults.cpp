// Compiled into every binary of an SB_SANITIZE build (CMakeLists.txt): the sanitizer runtimes
// call these weak hooks at start-up, so the same defaults apply to tests, to the server binaries
// they spawn and to hand-run binaries. Options in ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS
// still override them.

extern "C" {

const char *__asan_default_options()
{
    return "detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:"
           "check_initialization_order=1:abort_on_error=0";
}

const char *__ubsan_default_options()
{
    return "print_stacktrace=1:halt_on_error=1";
}

// Leaks reported from inside system libraries we do not own (allocations made once per process
// and kept until exit). Our own code is never suppressed.
const char *__lsan_default_suppressions()
{
    return "leak:libfontconfig.so\n"
           "leak:libdbus-1.so\n";
}

} // extern "C"
