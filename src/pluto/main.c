/* SPDX-License-Identifier: BSD-2-Clause */
/* placeholder: replaced by the daemon shell */
int main(void)
{
	return 1;
}
