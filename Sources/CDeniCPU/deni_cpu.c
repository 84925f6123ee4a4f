#include "deni_cpu.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <xmmintrin.h>

unsigned int deni_mxcsr_get(void) { return _mm_getcsr(); }
void deni_mxcsr_set(unsigned int value) { _mm_setcsr(value); }

int deni_cpuid(unsigned int leaf, unsigned int subleaf, unsigned int out[4]) {
    if ((unsigned int)__get_cpuid_max(leaf & 0x80000000u, 0) < leaf) { out[0] = out[1] = out[2] = out[3] = 0; return 0; }
    __cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
    return 1;
}

unsigned long long deni_xcr0(void) {
    unsigned int r[4];
    if (!deni_cpuid(1, 0, r) || !(r[2] & (1u << 27))) return 0;   // OSXSAVE
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#else
unsigned int deni_mxcsr_get(void) { return 0; }
void deni_mxcsr_set(unsigned int value) { (void)value; }
int deni_cpuid(unsigned int leaf, unsigned int subleaf, unsigned int out[4]) {
    (void)leaf; (void)subleaf; out[0] = out[1] = out[2] = out[3] = 0; return 0;
}
unsigned long long deni_xcr0(void) { return 0; }
#endif
