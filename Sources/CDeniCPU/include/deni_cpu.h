#pragma once
// The few processor controls Swift cannot reach: the SSE/AVX control register (flush-to-zero and
// denormals-are-zero) and CPUID. Everything else about the CPU is read in Swift (DeniCore/CPU.swift).

/// MXCSR bits: flush-to-zero (bit 15) and denormals-are-zero (bit 6).
#define DENI_MXCSR_FTZ_DAZ 0x8040u

/// The calling thread's MXCSR.
unsigned int deni_mxcsr_get(void);
/// Sets the calling thread's MXCSR.
void deni_mxcsr_set(unsigned int value);
/// CPUID leaf `leaf`, sub-leaf `subleaf`: eax, ebx, ecx, edx into out[0..3]. Returns 0 when CPUID is unavailable.
int deni_cpuid(unsigned int leaf, unsigned int subleaf, unsigned int out[4]);
/// XCR0 (the register states the OS saves: AVX needs bits 1-2, AVX-512 bits 5-7, AMX bits 17-18); 0 without XGETBV.
unsigned long long deni_xcr0(void);
