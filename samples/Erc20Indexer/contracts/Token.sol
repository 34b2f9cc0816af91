// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title A minimal, standard ERC-20 for a local chain (anvil): what the Erc20Indexer sample indexes.
/// @notice The deployer may mint; minting emits Transfer(address(0), to, value) as ERC-20 prescribes, and so does
/// nothing else special. Token.bin next to this file is its creation bytecode (see README.md there to rebuild it).
contract Token {
    string public constant name = "Overseer Sample Token";
    string public constant symbol = "OST";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    address public immutable minter;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    // No constructor arguments, so that the creation bytecode alone deploys it (eth_sendTransaction with data = Token.bin).
    constructor() {
        minter = msg.sender;
    }

    function mint(address to, uint256 value) external {
        require(msg.sender == minter, "Token: only the deployer mints");
        require(to != address(0), "Token: mint to the zero address");
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "Token: transfer amount exceeds allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) private {
        require(to != address(0), "Token: transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= value, "Token: transfer amount exceeds balance");
        unchecked {
            balanceOf[from] = balance - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
