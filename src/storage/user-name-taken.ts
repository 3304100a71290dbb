/**
 * A new user's name is already another user's (user names compare without regard to case). Adapters throw it
 * for their unique index on user names, so that two nodes creating the same user at once cannot both succeed.
 */
export class UserNameTakenError extends Error {
  constructor(readonly userName: string) {
    super(`A user named '${userName}' already exists.`);
    this.name = "UserNameTakenError";
  }
}
