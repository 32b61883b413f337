// The `compute` example: a method with parameters, called as
// `wisp run compute 6 7` (each word is converted to the parameter's type).
// No libc and no WASI imports: a pure function of its arguments.

__attribute__((export_name("compute")))
int compute(int a, int b) {
    return a * b;
}
