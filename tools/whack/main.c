/* SPDX-License-Identifier: BSD-2-Clause */
/* placeholder: replaced by whack */
int main(void)
{
	return 1;
}
